// The metric gate of one step: reads the configured source (a Prometheus query, or a scraped text
// endpoint over the window), and judges each reading with the pure condition and baseline code.
// It never throws: a source that cannot be read gives an `error` measurement, which assess() counts.
import { compareToBaseline } from '../analysis/baseline.js'
import { conditionCalls, evaluateQuery, evaluateScrape, parseCondition, type Condition } from '../analysis/condition.js'
import { errorMeasurement, toMeasurement } from '../analysis/assess.js'
import { fillPlaceholders, type ServiceNames } from '../analysis/placeholders.js'
import type { Evaluation, Measurement, Sample, Series } from '../analysis/types.js'
import type { AnalysisConfig } from '../config/types.js'
import { createPrometheusClient, type PrometheusClient } from './prometheus.js'
import { createMetricsScraper, type MetricsScraper } from './metrics-scrape.js'

/** Make the reader a metric source needs; a gate makes only the one its source needs. */
export interface MetricsReaders {
  prometheus(url: URL): PrometheusClient
  scraper(): MetricsScraper
}

export const defaultReaders: MetricsReaders = {
  prometheus: (url) => createPrometheusClient(url),
  scraper: () => createMetricsScraper()
}

export interface AnalysisGate {
  /** What is measured, for the log: the query or endpoint with the service names filled in. */
  readonly description: string
  /** Starts a new analysis window (a scraped endpoint is read once here, as the window's start). */
  begin(): Promise<void>
  /** One reading, judged at `at` (epoch ms). */
  measure(at: number): Promise<Measurement>
}

// A reading must not hold up the step for long; a slow source counts as an error reading.
const MAX_READ_MS = 10_000

export function createAnalysisGate(config: AnalysisConfig, names: ServiceNames, readers: MetricsReaders): AnalysisGate {
  const timeoutMs = Math.min(MAX_READ_MS, Math.max(1000, config.intervalMs))
  // The same condition for the stable service: {{canary}} read as the stable one (compare: baseline).
  const asStable: ServiceNames = { canary: names.stable, stable: names.stable }
  const condition = config.condition ? parseCondition(fillPlaceholders(config.condition, names), modeOf(config)) : undefined
  const stableCondition = config.condition ? parseCondition(fillPlaceholders(config.condition, asStable), modeOf(config)) : undefined

  const judge = (evaluations: Evaluation[], at: number): Measurement => toMeasurement(combine(evaluations), config.noData, at)
  const guarded = async (at: number, read: () => Promise<Evaluation[]>): Promise<Measurement> => {
    try {
      return judge(await read(), at)
    } catch (error) {
      return errorMeasurement((error as Error).message, at)
    }
  }

  const source = config.source
  if (source.kind === 'prometheus') {
    const query = fillPlaceholders(source.query, names)
    const stableQuery = fillPlaceholders(source.query, asStable)
    const prometheus = readers.prometheus(source.url)
    return {
      description: `Prometheus ${source.url.origin}: ${query}`,
      begin: async () => undefined,
      measure: (at) =>
        guarded(at, async () => {
          const series = await prometheus.query(query, timeoutMs)
          const evaluations = condition ? [evaluateQuery(condition, series)] : []
          if (config.baseline) {
            const stable = await prometheus.query(stableQuery, timeoutMs)
            evaluations.push(compareToBaseline(singleValue(series), singleValue(stable), config.baseline))
          }
          return evaluations
        })
    }
  }

  const scraper = readers.scraper()
  let start: { samples: Sample[]; at: number } | undefined
  const scrape = async (): Promise<{ samples: Sample[]; at: number }> => ({ samples: await scraper.scrape(source.url, timeoutMs), at: Date.now() })
  return {
    description: `metrics endpoint ${source.url.href}: ${condition ? fillPlaceholders(config.condition ?? '', names) : 'baseline comparison'}`,
    begin: async () => {
      start = await scrape().catch(() => undefined)
    },
    measure: (at) =>
      guarded(at, async () => {
        const end = await scrape()
        if (!start) {
          // The window's first read failed; this one starts it, and the next can judge.
          start = end
          throw new Error(`the metrics endpoint could not be read at the start of the window; the window starts now`)
        }
        const window = { start: start.samples, end: end.samples, seconds: Math.max(0.001, (end.at - start.at) / 1000) }
        const evaluations: Evaluation[] = []
        if (condition) evaluations.push(evaluateScrape(condition, window))
        if (config.baseline && condition && stableCondition) {
          const keys = conditionCalls(condition)
          const canary = callValues(keys, conditionCalls(condition), evaluateScrape(condition, window))
          const stable = callValues(keys, conditionCalls(stableCondition), evaluateScrape(stableCondition, window))
          evaluations.push(compareToBaseline(canary, stable, config.baseline))
        }
        return evaluations
      })
  }
}

function modeOf(config: AnalysisConfig): 'query' | 'scrape' {
  return config.source.kind === 'prometheus' ? 'query' : 'scrape'
}

/** The baseline is judged on one number per side: a query for it must return one series. */
function singleValue(series: Series[]): Record<string, number> {
  if (series.length > 1) throw new Error(`compare: baseline needs the query to return one value, but it returned ${series.length} series (wrap it in sum(...))`)
  return series.length === 1 ? { result: series[0].value } : {}
}

/** A condition's measured calls under the canary's call texts, so the canary's and the stable's line up. */
function callValues(keys: string[], calls: string[], evaluation: Evaluation): Record<string, number> {
  const out: Record<string, number> = {}
  calls.forEach((call, i) => {
    if (call in evaluation.values) out[keys[i]] = evaluation.values[call]
  })
  return out
}

/** Several judgements of one reading: any fail fails, else any no-data is no-data; values merged. */
function combine(evaluations: Evaluation[]): Evaluation {
  const outcome = evaluations.some((e) => e.outcome === 'fail') ? 'fail' : evaluations.some((e) => e.outcome === 'no-data') ? 'no-data' : 'pass'
  return {
    outcome,
    values: Object.assign({}, ...evaluations.map((e) => e.values)),
    detail: evaluations.map((e) => e.detail).join('; ')
  }
}
