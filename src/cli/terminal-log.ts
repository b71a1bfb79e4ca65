// The Log for a terminal: plain lines, groups as a heading and an indented body, colours only on a
// TTY without NO_COLOR. There is no runner to mask secrets here, so this Log masks them itself: every
// secret given to setSecret (as a whole and each of its lines) is replaced by *** in every later line.
// On a TTY, a group's repeated status lines (replica counts, passing probes) share one live line instead.
import { secretParts, type Log } from '../log.js'
import { fitText, ProgressLine, realClock, type ProgressClock } from './progress-line.js'

export interface TerminalLogOptions {
  /** Writes one chunk of text (lines end with \n). */
  write(text: string): void
  color?: boolean
  /** Show debug lines. */
  debug?: boolean
  /** The output is a terminal: a group's status lines are shown as one live line, rewritten in place. */
  tty?: boolean
  /** The terminal's width, read at every draw (the live line must not wrap); 80 when unknown. */
  columns?: () => number | undefined
  /** Time and timer of the live line; tests pass a fake one. */
  clock?: ProgressClock
}

const INDENT = '  '
const MASK = '***'

const STYLES = {
  heading: ['\x1b[1m', '\x1b[22m'],
  warning: ['\x1b[33m', '\x1b[39m'],
  error: ['\x1b[31m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  good: ['\x1b[32m', '\x1b[39m']
} as const
export type Style = keyof typeof STYLES

// The engine's lines that only say "still going": replica counts (unless some failed) and passing probes.
// Everything else (phase changes, failed probes, metrics, notes) is worth keeping in the scrollback.
const STATUS_LINE = /^\s*(\d+\/\d+ ready(?!.*\bfailed\b)|health ok: )/

/** Whether an info line is one of a group's repeated status lines. */
export function isStatusLine(message: string): boolean {
  return !message.includes('\n') && STATUS_LINE.test(message)
}

/** Whether to colour: a TTY, and NO_COLOR unset or empty (https://no-color.org). */
export function useColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && !env.NO_COLOR
}

export class TerminalLog implements Log {
  private readonly secrets: string[] = []
  private depth = 0
  private readonly clock: ProgressClock
  private readonly groupStarts: number[] = []
  private readonly live?: ProgressLine

  constructor(private readonly options: TerminalLogOptions) {
    this.clock = options.clock ?? realClock
    if (options.tty) this.live = new ProgressLine(options.write, this.clock, (text, frame, seconds) => this.statusLine(text, frame, seconds))
  }

  info(message: string): void {
    const since = this.groupStarts.at(-1)
    if (this.live && since !== undefined && isStatusLine(message)) this.live.show(message, since)
    else this.print(message)
  }
  warning(message: string): void { this.print(message, 'warning', 'warning: ') }
  error(message: string): void { this.print(message, 'error', 'error: ') }
  debug(message: string): void { if (this.options.debug) this.print(message, 'dim', 'debug: ') }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.settle()
    this.print(title, 'heading', '▸ ')
    this.depth++
    if (this.live) this.groupStarts.push(this.clock.now())
    try {
      return await fn()
    } finally {
      this.settle()
      this.groupStarts.pop()
      this.depth--
    }
  }

  setSecret(secret: string): void {
    for (const part of secretParts(secret)) if (!this.secrets.includes(part)) this.secrets.push(part)
    // Longest first, so a secret that contains another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length)
    this.live?.redraw()
  }

  /** The text with every known secret replaced by ***. */
  mask(text: string): string {
    let masked = text
    for (const secret of this.secrets) masked = masked.split(secret).join(MASK)
    return masked
  }

  /** Prints a message (masked, every line indented to the current group depth), optionally styled. */
  print(message: string, style?: Style, prefix = ''): void {
    const indent = INDENT.repeat(this.depth)
    const lines = this.mask(`${prefix}${message}`).split(/\r?\n/)
    const text = lines.map((line) => indent + this.paint(line, style)).join('\n')
    if (this.live) this.live.above(`${text}\n`)
    else this.options.write(`${text}\n`)
  }

  paint(text: string, style?: Style): string {
    if (!style || !this.options.color || text === '') return text
    const [on, off] = STYLES[style]
    return `${on}${text}${off}`
  }

  /**
   * Ends the live line (its group ends, or an inner one begins): the last status it showed is printed
   * as a plain line, so the scrollback keeps where the group got to.
   */
  private settle(): void {
    const last = this.live?.finish()
    if (last !== undefined) this.print(last)
  }

  /** The live line: indented like a plain line, spinner, masked text cut to the width, elapsed seconds. */
  private statusLine(text: string, frame: string, seconds: number): string {
    const masked = this.mask(text)
    const lead = INDENT.repeat(this.depth) + (/^\s*/.exec(masked)?.[0] ?? '')
    const elapsed = `(${seconds}s)`
    const body = fitText(masked.trimStart(), lead.length + frame.length + elapsed.length + 2, this.options.columns?.())
    return `${lead}${this.paint(frame, 'dim')} ${body} ${this.paint(elapsed, 'dim')}`
  }
}
