// The one live line of a terminal: the latest status of the open group, rewritten in place with a
// spinner frame and the group's elapsed seconds. Only used on a TTY; what the line says (masked, indented,
// painted) is the log's business, this file only owns the timer and the escape sequences.

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const
/** Back to column 0 and erase the row: the line is always rewritten whole. */
export const CLEAR_LINE = '\r\x1b[2K'
export const FRAME_MS = 100
const DEFAULT_COLUMNS = 80

export interface Ticker { stop(): void }

/** Time and a repeating timer, injected so tests never wait on real time. */
export interface ProgressClock {
  now(): number
  every(ms: number, tick: () => void): Ticker
}

export const realClock: ProgressClock = {
  now: () => Date.now(),
  every(ms, tick) {
    const handle = setInterval(tick, ms)
    // A spinner must never be what keeps the process alive.
    handle.unref()
    return { stop: () => clearInterval(handle) }
  }
}

/** Renders the status text with a spinner frame and the seconds since its group began. */
export type RenderStatus = (text: string, frame: string, seconds: number) => string

export class ProgressLine {
  private status?: { text: string; since: number }
  private frame = 0
  private ticker?: Ticker

  constructor(
    private readonly write: (text: string) => void,
    private readonly clock: ProgressClock,
    private readonly render: RenderStatus
  ) {}

  /** Shows text as the live line (replacing the last one), its seconds counted from since. */
  show(text: string, since: number): void {
    this.status = { text, since }
    this.draw()
    this.ticker ??= this.clock.every(FRAME_MS, () => {
      this.frame = (this.frame + 1) % SPINNER.length
      this.draw()
    })
  }

  /** Writes a permanent line: the live line is cleared first and drawn again below it. */
  above(line: string): void {
    this.write(this.status ? `${CLEAR_LINE}${line}` : line)
    this.draw()
  }

  /** Draws the line again (after a new secret: the mask applies at every draw). */
  redraw(): void { this.draw() }

  /** Takes the line off the screen for good and stops the timer; returns its text, to print permanently. */
  finish(): string | undefined {
    const text = this.status?.text
    if (this.status) this.write(CLEAR_LINE)
    this.ticker?.stop()
    this.ticker = undefined
    this.status = undefined
    this.frame = 0
    return text
  }

  private draw(): void {
    if (!this.status) return
    const seconds = Math.max(0, Math.floor((this.clock.now() - this.status.since) / 1000))
    this.write(`${CLEAR_LINE}${this.render(this.status.text, SPINNER[this.frame], seconds)}`)
  }
}

/**
 * The text cut with … so that a line of reserved + text characters stays below the terminal's width:
 * a live line that wraps cannot be rewritten in place (\r only goes back to the start of its last row).
 */
export function fitText(text: string, reserved: number, columns: number | undefined): string {
  const room = (columns && columns > 0 ? columns : DEFAULT_COLUMNS) - 1 - reserved
  const chars = [...text]
  if (chars.length <= room) return text
  return `${chars.slice(0, Math.max(0, room - 1)).join('')}…`
}
