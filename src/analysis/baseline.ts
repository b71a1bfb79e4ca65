// compare: baseline — the canary's values judged against the stable service's, measured over the
// same window. Lower is better (error ratios, latencies): the canary may be worse by a tolerance.
import { formatValue } from './condition.js'
import type { Evaluation } from './types.js'

/** How much worse than the stable the canary may be: stable × (1 + relative) + absolute. */
export interface Tolerance {
  /** A fraction: 0.2 for 20%. */
  relative: number
  absolute: number
}

export const DEFAULT_TOLERANCE = '20%+0.01'

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`
const TOLERANCE = new RegExp(String.raw`^(?:(${NUMBER})\s*%)?\s*(?:\+\s*(${NUMBER}))?$`)

/**
 * Parses `baseline-tolerance`: `<relative>%`, `+<absolute>` or `<relative>%+<absolute>`, e.g. 20%,
 * +0.01, 20%+0.01. Throws an Error with a short message on anything else.
 */
export function parseTolerance(text: string): Tolerance {
  const t = text.trim()
  if (t === '') throw new Error('the tolerance is empty')
  const match = TOLERANCE.exec(t)
  if (!match || (match[1] === undefined && match[2] === undefined)) {
    // A bare number could mean either; make the writer say which.
    if (new RegExp(`^${NUMBER}$`).test(t)) throw new Error(`write ${t}% for a relative margin or +${t} for an absolute one`)
    throw new Error(`'${t}' is not <relative>%, +<absolute> or <relative>%+<absolute>`)
  }
  return { relative: match[1] === undefined ? 0 : Number(match[1]) / 100, absolute: match[2] === undefined ? 0 : Number(match[2]) }
}

/** The tolerance as the input writes it, e.g. `20%+0.01`. */
export function describeTolerance(tolerance: Tolerance): string {
  const relative = tolerance.relative !== 0 ? `${Number((tolerance.relative * 100).toPrecision(12))}%` : ''
  const absolute = tolerance.absolute !== 0 || relative === '' ? `+${tolerance.absolute}` : ''
  return relative + absolute
}

/** The highest canary value accepted against a stable value. */
export function baselineLimit(stable: number, tolerance: Tolerance): number {
  return stable * (1 + tolerance.relative) + tolerance.absolute
}

/**
 * Each canary value against the stable's value under the same key: passes when canary ≤ limit.
 * A key the stable lacks, or a value that is not a finite number on either side, is no data
 * (unless another key fails).
 */
export function compareToBaseline(canary: Record<string, number>, stable: Record<string, number>, tolerance: Tolerance): Evaluation {
  const keys = Object.keys(canary)
  if (keys.length === 0) return { outcome: 'no-data', values: {}, detail: 'baseline: no canary value to compare' }
  const values: Record<string, number> = {}
  const lines: string[] = []
  let noData = false
  let failed = false
  for (const key of keys) {
    const c = canary[key]
    const s = stable[key]
    if (Number.isFinite(c)) values[`canary ${key}`] = c
    if (s !== undefined && Number.isFinite(s)) values[`stable ${key}`] = s
    if (!Number.isFinite(c) || s === undefined || !Number.isFinite(s)) {
      noData = true
      lines.push(`${key}: canary ${formatValue(c)} vs stable ${s === undefined ? 'no data' : formatValue(s)}: no data`)
      continue
    }
    const limit = baselineLimit(s, tolerance)
    const pass = c <= limit
    if (!pass) failed = true
    lines.push(`${key}: canary ${formatValue(c)} vs stable ${formatValue(s)} (limit ${formatValue(limit)}): ${pass ? 'pass' : 'fail'}`)
  }
  // A definite failure outweighs a key without data, as it does when readings are combined.
  return { outcome: failed ? 'fail' : noData ? 'no-data' : 'pass', values, detail: lines.join('; ') }
}
