// Evaluating a parsed success-condition against one reading: a Prometheus query's series, or a
// window of two scrapes. Pure; the parser is in condition-parse.ts.
import { callsOf, describeCall, describeCondition, type Call, type ComparisonOp, type Condition, type Expr, type Operand } from './condition-parse.js'
import { histogramQuantile, parseLe, type Bucket } from './histogram.js'
import { endSum, formatLabels, formatSelector, increase, seriesIncreases } from './scrape-window.js'
import type { Evaluation, ScrapeWindow, Selector, Series } from './types.js'

export {
  ConditionError,
  FUNCTIONS,
  conditionCalls,
  describeCondition,
  parseCondition,
  type Call,
  type ComparisonOp,
  type Condition,
  type ConditionMode,
  type Expr,
  type Operand
} from './condition-parse.js'

// A detail line names at most this many series; the values record keeps them all.
const DETAIL_SERIES_MAX = 10

/** A value for a log line: 4 decimals (`0.1200`), exponent below 0.001, `NaN`, `+Inf`, `-Inf`. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  if (v !== 0 && Math.abs(v) < 0.001) return v.toExponential(2)
  return v.toFixed(4)
}

/**
 * `result` is each series' value, and the condition must hold for every series: a canary reported
 * as several series passes only if each of them does. No series, NaN or ±Inf is no data.
 */
export function evaluateQuery(c: Condition, series: Series[]): Evaluation {
  if (c.mode !== 'query') throw new Error('evaluateQuery needs a condition parsed for a Prometheus query')
  if (series.length === 0) return { outcome: 'no-data', values: {}, detail: 'the query returned no data' }
  const single = series.length === 1 && Object.keys(series[0].labels).length === 0
  const named = series.map((s) => ({ name: single ? 'result' : `result${formatLabels(s.labels)}`, value: s.value }))
  const values = finiteValues(named)
  const bad = named.find((n) => !Number.isFinite(n.value))
  if (bad) return { outcome: 'no-data', values, detail: `the query returned ${formatValue(bad.value)} for ${bad.name}` }

  const failing = named.filter((n) => !holds(c.expr, () => n.value))
  const outcome = failing.length === 0 ? 'pass' : 'fail'
  const which = failing.length > 0 && named.length > 1 ? ` for ${listNames(failing.map((n) => n.name))}` : ''
  return { outcome, values, detail: `${listValues(named)} (condition ${describeCondition(c)}: ${outcome}${which})` }
}

/** Each call measured over the window; no data for any of them makes the reading no data. */
export function evaluateScrape(c: Condition, window: ScrapeWindow): Evaluation {
  if (c.mode !== 'scrape') throw new Error('evaluateScrape needs a condition parsed for a scraped endpoint')
  const measured = new Map<string, number>()
  const missing: string[] = []
  for (const [text, call] of callsOf(c)) {
    const m = measure(call, window)
    if (typeof m === 'string') missing.push(m)
    else if (!Number.isFinite(m)) missing.push(`${text} is ${formatValue(m)}`)
    else measured.set(text, m)
  }
  const named = [...measured].map(([name, value]) => ({ name, value }))
  const values = Object.fromEntries(measured)
  if (missing.length > 0) return { outcome: 'no-data', values, detail: missing.join('; ') }

  const value = (o: Operand): number => (o.kind === 'call' ? (measured.get(describeCall(o.call)) ?? NaN) : NaN)
  const outcome = holds(c.expr, value) ? 'pass' : 'fail'
  return { outcome, values, detail: `${listValues(named)} (condition ${describeCondition(c)}: ${outcome})` }
}

/** A call's value over the window, or why there is none. */
function measure(call: Call, window: ScrapeWindow): number | string {
  switch (call.fn) {
    case 'increase':
    case 'rate': {
      const inc = increase(call.selector, window)
      // A metric absent from the endpoint is more likely a typo than zero: no data.
      if (!inc.named) return noSeries(call.selector)
      if (call.fn === 'increase') return inc.value
      return window.seconds > 0 ? inc.value / window.seconds : `${describeCall(call)}: the window has no length`
    }
    case 'ratio': {
      const num = increase(call.numerator, window)
      const den = increase(call.denominator, window)
      // A labelled counter appears only when first counted: no 5xx series yet means no errors.
      if (!num.named) return noSeries(call.numerator)
      if (!den.named) return noSeries(call.denominator)
      if (den.value === 0) return `${describeCall(call)}: no traffic in the window (increase(${formatSelector(call.denominator)}) = 0)`
      return num.value / den.value
    }
    case 'quantile':
      return quantile(call, window)
    case 'value':
      return endSum(call.selector, window) ?? noSeries(call.selector)
  }
}

function quantile(call: Extract<Call, { fn: 'quantile' }>, window: ScrapeWindow): number | string {
  const selector = { name: `${call.selector.name}_bucket`, matchers: call.selector.matchers }
  const series = seriesIncreases(selector, window)
  if (series.length === 0) return noSeries(selector)
  // Buckets of every matching series, summed by bound (le), as sum by (le) (increase(...)) does.
  const byLe = new Map<number, number>()
  for (const s of series) {
    const le = parseLe(s.labels.le ?? '')
    if (!Number.isNaN(le)) byLe.set(le, (byLe.get(le) ?? 0) + s.increase)
  }
  const buckets: Bucket[] = [...byLe].map(([le, count]) => ({ le, count }))
  const value = histogramQuantile(call.q, buckets)
  if (!Number.isNaN(value)) return value
  if (!byLe.has(Infinity)) return `${describeCall(call)}: ${formatSelector(selector)} has no le="+Inf" bucket`
  if (byLe.get(Infinity) === 0) return `${describeCall(call)}: no observations in the window`
  return `${describeCall(call)} is NaN`
}

function noSeries(selector: Selector): string {
  return `no series match ${formatSelector(selector)}`
}

/** Whether the condition holds, `measured` giving the value of `result` or of a call. */
function holds(e: Expr, measured: (o: Operand) => number): boolean {
  switch (e.kind) {
    case 'or':
      return holds(e.left, measured) || holds(e.right, measured)
    case 'and':
      return holds(e.left, measured) && holds(e.right, measured)
    case 'not':
      return !holds(e.operand, measured)
    case 'compare': {
      const value = (o: Operand): number => (o.kind === 'number' ? o.value : measured(o))
      return compare(e.op, value(e.left), value(e.right))
    }
  }
}

function compare(op: ComparisonOp, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '==':
      return a === b
    case '!=':
      return a !== b
  }
}

function finiteValues(named: Array<{ name: string; value: number }>): Record<string, number> {
  return Object.fromEntries(named.filter((n) => Number.isFinite(n.value)).map((n) => [n.name, n.value]))
}

function listValues(named: Array<{ name: string; value: number }>): string {
  const shown = named.slice(0, DETAIL_SERIES_MAX).map((n) => `${n.name} = ${formatValue(n.value)}`)
  if (named.length > DETAIL_SERIES_MAX) shown.push(`… ${named.length - DETAIL_SERIES_MAX} more`)
  return shown.join(', ')
}

function listNames(names: string[]): string {
  const shown = names.slice(0, DETAIL_SERIES_MAX)
  if (names.length > DETAIL_SERIES_MAX) shown.push(`… ${names.length - DETAIL_SERIES_MAX} more`)
  return shown.join(', ')
}
