// Counter maths over two scrapes of one endpoint, and PromQL-style series selection. Pure: the
// scrapes are fetched and parsed elsewhere.
import type { LabelMatcher, Sample, ScrapeWindow, Selector } from './types.js'

/** A label value as PromQL writes it: double-quoted, with `\` and `"` escaped. */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** Labels as `{a="x",b="y"}`, sorted by name; `''` when there are none. Also a series' identity. */
export function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort()
  if (names.length === 0) return ''
  return `{${names.map((n) => `${n}=${quoteLabelValue(labels[n])}`).join(',')}}`
}

/** A selector's canonical text; matchers keep their written order. */
export function formatSelector(selector: Selector): string {
  if (selector.matchers.length === 0) return selector.name
  return `${selector.name}{${selector.matchers.map((m) => `${m.label}${m.op}${quoteLabelValue(m.value)}`).join(',')}}`
}

// Conditions hold a handful of regexes, evaluated on every reading: compile each once.
const regexCache = new Map<string, RegExp>()

/** A matcher's regex, fully anchored like PromQL's (`^(?:re)$`, `.` matches newlines). Throws SyntaxError. */
export function anchoredRegex(source: string): RegExp {
  let re = regexCache.get(source)
  if (!re) {
    // Compiled alone first: `a)|(b` is invalid on its own but would be valid once wrapped.
    new RegExp(source, 's')
    re = new RegExp(`^(?:${source})$`, 's')
    regexCache.set(source, re)
  }
  return re
}

/** PromQL semantics: a missing label reads as the empty string. */
export function matchesLabels(labels: Record<string, string>, matchers: LabelMatcher[]): boolean {
  return matchers.every((m) => {
    const value = labels[m.label] ?? ''
    switch (m.op) {
      case '=':
        return value === m.value
      case '!=':
        return value !== m.value
      case '=~':
        return anchoredRegex(m.value).test(value)
      case '!~':
        return !anchoredRegex(m.value).test(value)
    }
  })
}

export function matchesSelector(sample: Sample, selector: Selector): boolean {
  return sample.name === selector.name && matchesLabels(sample.labels, selector.matchers)
}

/** Whether the metric name appears in either scrape at all (with any labels). */
export function hasMetric(name: string, window: ScrapeWindow): boolean {
  return window.end.some((s) => s.name === name) || window.start.some((s) => s.name === name)
}

export interface SeriesIncrease {
  labels: Record<string, string>
  increase: number
}

/**
 * The increase of each series matching the selector at the end of the window. A series whose value
 * went down had a counter reset (the process restarted): it counts its end value, as does a series
 * that did not exist at the start (it was created, at zero, during the window).
 */
export function seriesIncreases(selector: Selector, window: ScrapeWindow): SeriesIncrease[] {
  const start = new Map<string, number>()
  for (const s of window.start) {
    if (matchesSelector(s, selector)) start.set(formatLabels(s.labels), s.value)
  }
  const out: SeriesIncrease[] = []
  for (const s of window.end) {
    if (!matchesSelector(s, selector)) continue
    const before = start.get(formatLabels(s.labels))
    const increase = before === undefined || s.value < before ? s.value : s.value - before
    out.push({ labels: s.labels, increase })
  }
  return out
}

export interface Increase {
  /** Sum of the increases of the matching series; 0 when none match. */
  value: number
  /** Series matching the selector at the end of the window. */
  series: number
  /** The metric name appears in a scrape. When it does, no matching series means nothing was counted. */
  named: boolean
}

/** `increase(selector)` over the window: summed across the matching series. */
export function increase(selector: Selector, window: ScrapeWindow): Increase {
  const each = seriesIncreases(selector, window)
  return {
    value: each.reduce((sum, s) => sum + s.increase, 0),
    series: each.length,
    named: hasMetric(selector.name, window)
  }
}

/** The end values of the matching series (a gauge now), or undefined when none match. */
export function endSum(selector: Selector, window: ScrapeWindow): number | undefined {
  const matching = window.end.filter((s) => matchesSelector(s, selector))
  if (matching.length === 0) return undefined
  return matching.reduce((sum, s) => sum + s.value, 0)
}
