// The benchmark's table: pure, rows in, Markdown text out (printed, and pasted into docs/benchmarks.md).

export interface BenchRow {
  /** The situation: app, proxy and load, e.g. "well-behaved app". */
  situation: string
  /** Who rolled out, e.g. "zdd rolling (swarm)" or "docker service update, stop-first". */
  rollout: string
  requests: number
  failed: number
  /** Wall time of the rollout (ours: the action's run; native: until Swarm's update state is final). */
  rolloutMs: number
  /** How it ended: succeeded, rolled-back, completed, rollback_completed, … */
  result: string
  /** From the failing gate to the start of the revert, when there was one. */
  revertDelayMs?: number
  /** Container start + time to the required healthy probes, summed over batches: the least a rollout can take. */
  floorMs?: number
  /** The failures by status or error, e.g. "503×12, ECONNRESET×2". */
  breakdown?: string
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`)

/** Rollout wall time over the floor, e.g. "2.4×"; '–' without a floor. */
export function overhead(row: Pick<BenchRow, 'rolloutMs' | 'floorMs'>): string {
  return row.floorMs ? `${(row.rolloutMs / row.floorMs).toFixed(1)}×` : '–'
}

/** "503×12, ECONNRESET×2" from the statuses that are not 2xx and the errors. */
export function failureBreakdown(statuses: Record<string, number>, errors: Record<string, number>): string {
  const parts = [
    ...Object.entries(statuses).filter(([status]) => !/^2\d\d$/.test(status)),
    ...Object.entries(errors)
  ].sort((a, b) => b[1] - a[1])
  return parts.map(([what, n]) => `${what}×${n}`).join(', ')
}

/** A Markdown table of the rows, in the order given. */
export function renderTable(rows: BenchRow[]): string {
  const header = ['situation', 'rollout', 'requests', 'failed', 'failures', 'rollout time', 'floor', 'time / floor', 'gate fail → revert', 'result']
  const lines = rows.map((r) => [
    r.situation, r.rollout, String(r.requests), String(r.failed), r.breakdown || '–', seconds(r.rolloutMs), seconds(r.floorMs),
    overhead(r), seconds(r.revertDelayMs), r.result
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n')
}
