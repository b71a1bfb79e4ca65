import { InputError } from './input-error.js'

export const DURATION_FORM = 'a duration such as 500ms, 10s, 2m or 1m30s'

// setTimeout fires at once for delays above 2^31-1 ms, so longer durations would silently be zero.
const MAX_MS = 2 ** 31 - 1

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }
// Units in the only order accepted in a compound duration, each at most once: 1h2m3s400ms.
const UNIT_ORDER = ['h', 'm', 's', 'ms']
// `ms` before `m` so that "500ms" is not read as "500m" followed by "s".
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/y

export interface DurationOptions {
  /** Accept `0` (e.g. a monitor window that may be skipped). Default false. */
  allowZero?: boolean
}

/**
 * Parses a duration into milliseconds: `500ms`, `10s`, `2m`, `1h`, `1m30s`, `1.5s`, or a bare
 * whole number of seconds. Throws InputError naming `input` for anything else.
 */
export function parseDuration(input: string, value: string, options: DurationOptions = {}): number {
  const ms = toMs(value.trim())
  if (ms === undefined) throw new InputError(input, value, DURATION_FORM)
  if (ms === 0 && !options.allowZero) {
    throw new InputError(input, value, `a duration greater than zero, such as 500ms, 10s, 2m or 1m30s`)
  }
  if (ms > MAX_MS) throw new InputError(input, value, 'a duration of at most 596h')
  return ms
}

function toMs(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000
  if (text === '') return undefined
  let total = 0
  let lastUnit = -1
  PART.lastIndex = 0
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text)
    if (!match) return undefined
    const unit = UNIT_ORDER.indexOf(match[2])
    if (unit <= lastUnit) return undefined
    lastUnit = unit
    total += Number(match[1]) * UNIT_MS[match[2]]
  }
  return Math.round(total)
}
