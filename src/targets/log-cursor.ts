// Following a task's log by polling. Each read asks for the lines since a little before the newest
// timestamp seen: the Engine does not always return stdout and stderr in time order, and a line of
// one stream can arrive after a later line of the other. The cursor sorts each read by time and drops
// the lines it has passed on already. Lines are `<RFC 3339 nano timestamp> <text>`, as the Engine sends
// them with timestamps=1. Pure.

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z (.*)$/s
// How far back each read reaches before the newest line seen.
const OVERLAP_NS = 2_000_000_000n

/** Nanoseconds since the epoch of an RFC 3339 UTC timestamp, or undefined. */
export function timestampNs(date: string, fraction = ''): bigint | undefined {
  const ms = Date.parse(`${date}Z`)
  if (Number.isNaN(ms)) return undefined
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0') || '0')
}

export class LogCursor {
  private latest = -1n
  /** Lines passed on within the overlap window, by their raw text (timestamp included). */
  private seen = new Map<string, bigint>()

  /** The Engine's `since` for the next read, as seconds.nanoseconds; 0 before any line. */
  since(): string {
    if (this.latest < 0n) return '0'
    const from = this.latest > OVERLAP_NS ? this.latest - OVERLAP_NS : 0n
    return `${from / 1_000_000_000n}.${(from % 1_000_000_000n).toString().padStart(9, '0')}`
  }

  /** The text of the lines not passed on before, in time order. */
  take(lines: readonly string[]): string[] {
    let last = this.latest
    const read = lines.map((raw, index) => {
      const match = LINE.exec(raw)
      const at = match ? timestampNs(match[1], match[2]) : undefined
      // A line without a timestamp keeps its place after the line before it.
      if (at !== undefined) last = at
      return { raw, text: match && at !== undefined ? match[3] : raw, at, sortAt: last, index }
    })
    read.sort((a, b) => (a.sortAt === b.sortAt ? a.index - b.index : a.sortAt < b.sortAt ? -1 : 1))
    const fresh: string[] = []
    for (const line of read) {
      if (line.at === undefined) {
        fresh.push(line.text)
        continue
      }
      if (this.seen.has(line.raw) || line.at < this.latest - OVERLAP_NS) continue
      this.seen.set(line.raw, line.at)
      if (line.at > this.latest) this.latest = line.at
      fresh.push(line.text)
    }
    for (const [raw, at] of this.seen) if (at < this.latest - OVERLAP_NS) this.seen.delete(raw)
    return fresh
  }
}
