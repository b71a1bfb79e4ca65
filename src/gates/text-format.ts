// A pure parser of what a /metrics endpoint serves: the Prometheus text exposition format 0.0.4 and
// the part of OpenMetrics 1.0 exporters commonly emit (`# EOF`, float timestamps, exemplars).
// Metadata (# HELP, # TYPE, # UNIT) is skipped: a condition names the series it wants, and histogram
// and summary lines (`x_bucket{le="0.1"}`, `x_sum`, `x_count`) are ordinary samples.
import type { Sample } from '../analysis/types.js'
import { MetricsError } from './metrics-error.js'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/
// Go's strconv.ParseFloat in decimal, which is what Prometheus reads values with (hex floats aside).
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const SPECIAL = new Map<string, number>([
  ['nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity]
])
// A minified page or a binary reply would make one line of a message unreadable.
const SHOWN_LINE_MAX = 120

/**
 * A sample value as Prometheus writes it: decimal or scientific, `NaN`, `+Inf`, `-Inf` (any case,
 * as Go accepts). `undefined` when it is not a number. Shared with the JSON API, whose values are strings.
 */
export function parseSampleValue(text: string): number | undefined {
  const special = SPECIAL.get(text.toLowerCase())
  if (special !== undefined) return special
  return DECIMAL.test(text) ? Number(text) : undefined
}

/**
 * Every sample of a text exposition, in order. Timestamps and exemplars are read past and dropped.
 * Throws MetricsError on the first malformed line:
 * `line <n> of the metrics text is malformed (<why>): <line, cut at 120 characters>`.
 */
export function parseTextFormat(text: string): Sample[] {
  const samples: Sample[] = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index].endsWith('\r') ? lines[index].slice(0, -1) : lines[index]
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '')
    if (line === '') continue
    if (line.startsWith('#')) {
      // OpenMetrics ends with `# EOF`; anything after it is not part of the exposition.
      if (line === '# EOF') break
      continue
    }
    const sample = parseSampleLine(line)
    if (typeof sample === 'string') {
      throw new MetricsError(`line ${index + 1} of the metrics text is malformed (${sample}): ${shorten(raw)}`)
    }
    samples.push(sample)
  }
  return samples
}

/** One sample line, trimmed; a string is the reason it is malformed. */
function parseSampleLine(line: string): Sample | string {
  const name = METRIC_NAME.exec(line)?.[0]
  if (name === undefined) return 'expected a metric name'
  let pos = name.length
  let labels: Record<string, string> = {}
  pos = skipBlanks(line, pos)
  if (line[pos] === '{') {
    const parsed = parseLabels(line, pos + 1)
    if (typeof parsed === 'string') return parsed
    labels = parsed.labels
    pos = parsed.end
  }
  const rest = line.slice(pos).trim()
  if (rest === '') return `expected a value after ${pos === name.length ? 'the metric name' : 'the labels'}`
  if (pos === name.length) return `expected a blank after the metric name`
  const [valueText, ...after] = rest.split(/[ \t]+/)
  const value = parseSampleValue(valueText)
  if (value === undefined) return `${JSON.stringify(valueText)} is not a number`
  // An OpenMetrics exemplar (`# {trace_id="…"} 1`) may follow the value or the timestamp.
  const exemplar = after.findIndex((token) => token.startsWith('#'))
  const extra = exemplar === -1 ? after : after.slice(0, exemplar)
  if (extra.length > 0) {
    const timestamp = parseSampleValue(extra[0])
    if (timestamp === undefined || !Number.isFinite(timestamp)) return `${JSON.stringify(extra[0])} is not a timestamp`
  }
  if (extra.length > 1) return `unexpected ${JSON.stringify(extra.slice(1).join(' '))} after the timestamp`
  return { name, labels, value }
}

/** The labels after `{`, up to and past `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | string {
  // Entries then fromEntries: a label called `__proto__` must stay a label.
  const entries = new Map<string, string>()
  let pos = start
  for (;;) {
    pos = skipBlanks(line, pos)
    // `}` right after `{` or after a trailing comma: both are allowed.
    if (line[pos] === '}') return { labels: Object.fromEntries(entries), end: pos + 1 }
    const name = LABEL_NAME.exec(line.slice(pos))?.[0]
    if (name === undefined) return pos >= line.length ? 'the labels are not closed' : `expected a label name at column ${pos + 1}`
    pos = skipBlanks(line, pos + name.length)
    if (line[pos] !== '=') return `expected "=" after the label ${JSON.stringify(name)}`
    pos = skipBlanks(line, pos + 1)
    if (line[pos] !== '"') return `expected a quoted value for the label ${JSON.stringify(name)}`
    const value = readQuoted(line, pos + 1)
    if (value === undefined) return `the value of the label ${JSON.stringify(name)} is not closed`
    if (entries.has(name)) return `the label ${JSON.stringify(name)} appears twice`
    entries.set(name, value.text)
    pos = skipBlanks(line, value.end)
    if (line[pos] === ',') pos++
    else if (line[pos] !== '}') return `expected "," or "}" after the label ${JSON.stringify(name)}`
  }
}

/** A label value after its opening quote: `\\`, `\"` and `\n` unescaped, other escapes kept as written (as Prometheus does). */
function readQuoted(line: string, start: number): { text: string; end: number } | undefined {
  let text = ''
  for (let pos = start; pos < line.length; pos++) {
    const char = line[pos]
    if (char === '"') return { text, end: pos + 1 }
    if (char !== '\\') {
      text += char
      continue
    }
    pos++
    if (pos >= line.length) return undefined
    const escaped = line[pos]
    text += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : `\\${escaped}`
  }
  return undefined
}

function skipBlanks(line: string, pos: number): number {
  while (line[pos] === ' ' || line[pos] === '\t') pos++
  return pos
}

function shorten(line: string): string {
  return line.length <= SHOWN_LINE_MAX ? line : `${line.slice(0, SHOWN_LINE_MAX)}…`
}
