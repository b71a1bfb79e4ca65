// The Log for a terminal: plain lines, groups as a heading and an indented body, colours only on a
// TTY without NO_COLOR. There is no runner to mask secrets here, so this Log masks them itself: every
// secret given to setSecret (as a whole and each of its lines) is replaced by *** in every later line.
import { secretParts, type Log } from '../log.js'

export interface TerminalLogOptions {
  /** Writes one chunk of text (lines end with \n). */
  write(text: string): void
  color?: boolean
  /** Show debug lines. */
  debug?: boolean
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

/** Whether to colour: a TTY, and NO_COLOR unset or empty (https://no-color.org). */
export function useColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && !env.NO_COLOR
}

export class TerminalLog implements Log {
  private readonly secrets: string[] = []
  private depth = 0

  constructor(private readonly options: TerminalLogOptions) {}

  info(message: string): void { this.print(message) }
  warning(message: string): void { this.print(message, 'warning', 'warning: ') }
  error(message: string): void { this.print(message, 'error', 'error: ') }
  debug(message: string): void { if (this.options.debug) this.print(message, 'dim', 'debug: ') }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.print(title, 'heading', '▸ ')
    this.depth++
    try {
      return await fn()
    } finally {
      this.depth--
    }
  }

  setSecret(secret: string): void {
    for (const part of secretParts(secret)) if (!this.secrets.includes(part)) this.secrets.push(part)
    // Longest first, so a secret that contains another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length)
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
    this.options.write(`${text}\n`)
  }

  paint(text: string, style?: Style): string {
    if (!style || !this.options.color || text === '') return text
    const [on, off] = STYLES[style]
    return `${on}${text}${off}`
  }
}
