import type { StatusRange } from './types.js'
import { InputError } from './input-error.js'

export const STATUS_FORM = 'HTTP status codes from 100 to 599, such as 200-399, 200 or 200,204,300-302'

/**
 * Parses `200-399`, `200` or `200,204,300-302` into inclusive ranges. Throws InputError naming
 * `input` when an item is not a code or a range of codes from 100 to 599 with from ≤ to.
 */
export function parseStatusRanges(input: string, value: string): StatusRange[] {
  const items = value.split(',').map((item) => item.trim())
  const ranges: StatusRange[] = []
  for (const item of items) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(item)
    const from = Number(match?.[1])
    const to = match?.[2] === undefined ? from : Number(match[2])
    if (!match || from < 100 || to > 599 || from > to) throw new InputError(input, value, STATUS_FORM)
    ranges.push({ from, to })
  }
  return ranges
}

/** True when `code` lies in any of the ranges. */
export function statusMatches(ranges: readonly StatusRange[], code: number): boolean {
  return ranges.some((range) => code >= range.from && code <= range.to)
}

/** `200-399,404`: the ranges as they would be written in the input. */
export function formatStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',')
}
