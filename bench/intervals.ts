// Pure interval maths for the floor: replicas started one batch after another add up, replicas started
// together (a blue-green set, a canary step of several) count once, as the longest of them.

export interface Interval {
  /** ms since the epoch */
  start: number
  end: number
}

/** The length of the union of the intervals (overlaps counted once; empty or reversed ones ignored). */
export function coveredMs(intervals: Interval[]): number {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start)
  let total = 0
  let runStart = -Infinity
  let runEnd = -Infinity
  for (const { start, end } of sorted) {
    if (start > runEnd) {
      total += runEnd - runStart > 0 ? runEnd - runStart : 0
      runStart = start
      runEnd = end
    } else if (end > runEnd) {
      runEnd = end
    }
  }
  return total + (runEnd - runStart > 0 ? runEnd - runStart : 0)
}
