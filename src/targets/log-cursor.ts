// Following a task's log by polling: each read asks for the lines since the last timestamp seen
// (`since` is inclusive and the Engine rounds it), so a read may repeat lines already shown; the cursor
// drops those. Lines are `<RFC 3339 nano timestamp> <text>`, as the Engine sends them with timestamps=1.
// Pure.

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z (.*)$/s

/** Nanoseconds since the epoch of an RFC 3339 UTC timestamp, or undefined. */
export function timestampNs(date: string, fraction = ''): bigint | undefined {
  const ms = Date.parse(`${date}Z`)
  if (Number.isNaN(ms)) return undefined
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0') || '0')
}

export class LogCursor {
  private last = -1n
  private atLast = new Set<string>()

  /** The Engine's `since` for the next read: seconds.nanoseconds of the last line seen, or 0. */
  since(): string {
    if (this.last < 0n) return '0'
    return `${this.last / 1_000_000_000n}.${(this.last % 1_000_000_000n).toString().padStart(9, '0')}`
  }

  /** The text of the lines not seen before, in order. */
  take(lines: readonly string[]): string[] {
    const fresh: string[] = []
    for (const line of lines) {
      const match = LINE.exec(line)
      const at = match ? timestampNs(match[1], match[2]) : undefined
      if (!match || at === undefined) {
        fresh.push(line)
        continue
      }
      if (at < this.last || (at === this.last && this.atLast.has(line))) continue
      if (at > this.last) {
        this.last = at
        this.atLast = new Set()
      }
      this.atLast.add(line)
      fresh.push(match[3])
    }
    return fresh
  }
}
