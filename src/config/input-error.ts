import { SECRET_INPUTS } from './inputs.js'

// Values longer than this are cut in messages: a pasted certificate would drown the point.
const SHOWN_MAX = 60

/**
 * One bad input: names the input, shows the value (never a secret's) and says what is expected.
 * Message: `Invalid input '<name>': <shown value>. Expected <expected>.`
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
    /** How to show the value instead, e.g. `line 3` for a line that may hold a secret. */
    shown?: string
  ) {
    super(`Invalid input '${input}': ${shown ?? showValue(input, value)}. Expected ${expected}.`)
    this.name = 'InputError'
  }
}

/** How a value appears in a message: JSON-quoted, `(empty)`, or only its length when secret. */
export function showValue(input: string, value: string): string {
  if (value === '') return '(empty)'
  if ((SECRET_INPUTS as readonly string[]).includes(input)) return `(secret, ${value.length} characters)`
  if (value.length <= SHOWN_MAX) return JSON.stringify(value)
  return `${JSON.stringify(value.slice(0, SHOWN_MAX)).slice(0, -1)}…" (${value.length} characters)`
}
