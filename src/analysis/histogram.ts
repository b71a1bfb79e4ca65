// Prometheus' histogram_quantile over cumulative buckets (its BucketQuantile), so that a condition
// like quantile(0.99, http_request_duration_seconds) < 0.5 means what it means in PromQL.

export interface Bucket {
  /** Upper bound of the bucket (`le`), Infinity for `+Inf`. */
  le: number
  /** Cumulative count of observations ≤ le. */
  count: number
}

/**
 * The q-quantile estimated from cumulative buckets: linear interpolation inside the bucket the rank
 * falls in (the first bucket starts at 0); a rank in the +Inf bucket returns the previous bucket's
 * upper bound. NaN when there are no observations, fewer than two buckets or no +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const sorted = coalesce(buckets)
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Infinity) return NaN
  const observations = sorted[sorted.length - 1].count
  if (!(observations > 0)) return NaN

  let rank = q * observations
  // First bucket (the +Inf one excluded) whose cumulative count reaches the rank.
  let b = sorted.findIndex((bucket, i) => i < sorted.length - 1 && bucket.count >= rank)
  if (b === -1) b = sorted.length - 1
  if (b === sorted.length - 1) return sorted[sorted.length - 2].le
  if (b === 0 && sorted[0].le <= 0) return sorted[0].le

  let start = 0
  const end = sorted[b].le
  let count = sorted[b].count
  if (b > 0) {
    start = sorted[b - 1].le
    count -= sorted[b - 1].count
    rank -= sorted[b - 1].count
  }
  // Only q = 0 over an empty first bucket gets here with count 0 (Prometheus would divide 0 by 0).
  if (count === 0) return start
  // Clamped: rounding must not push the top of one bucket past the start of the next (monotone in q).
  return Math.min(end, start + (end - start) * (rank / count))
}

/** Sorted by le, equal bounds summed, counts made non-decreasing (scrapes are not atomic). */
function coalesce(buckets: Bucket[]): Bucket[] {
  const sorted = [...buckets].filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le)
  const out: Bucket[] = []
  for (const bucket of sorted) {
    const last = out[out.length - 1]
    if (last && last.le === bucket.le) last.count += bucket.count
    else out.push({ le: bucket.le, count: bucket.count })
  }
  for (let i = 1; i < out.length; i++) out[i].count = Math.max(out[i].count, out[i - 1].count)
  return out
}

/** Reads an `le` label: a number or `+Inf`; NaN when it is neither. */
export function parseLe(text: string): number {
  const t = text.trim()
  if (t === '+Inf' || t === 'Inf' || t === 'inf' || t === '+inf') return Infinity
  if (t === '') return NaN
  return Number(t)
}
