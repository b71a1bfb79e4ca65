// The progressive-delivery inputs: strategy, canary steps, blue-green preview, and the metric gate.
// Pure like parse-config.ts: the first bad input throws an InputError, before anything is touched.
import { parseTolerance } from '../analysis/baseline.js'
import { ConditionError, parseCondition } from '../analysis/condition.js'
import { fillPlaceholders, hasPlaceholder, unknownPlaceholder } from '../analysis/placeholders.js'
import type { NoDataPolicy } from '../analysis/types.js'
import { parseCanarySteps, type CanaryStepEntry } from '../rollout/canary-plan.js'
import { parseDuration } from './durations.js'
import { InputError } from './input-error.js'
import type { Inputs } from './inputs.js'
import type { AnalysisConfig, MetricsSource, Strategy } from './types.js'

// Any names will do to check a condition's syntax; the real ones are filled in at run time.
const SAMPLE_NAMES = { canary: 'app-canary', stable: 'app' }
// Argo Rollouts' default: a metrics source that fails this many times in a row fails the analysis.
const CONSECUTIVE_ERROR_LIMIT = 4

export interface StrategyConfig {
  strategy: Strategy
  canarySteps: CanaryStepEntry[]
  previewUrl?: URL
  scaleDownDelayMs: number
  analysis?: AnalysisConfig
}

export function parseStrategyInputs(inputs: Inputs): StrategyConfig {
  const strategy = parseStrategy(inputs.strategy)
  const canarySteps = parseSteps(inputs['canary-steps'])
  const previewUrl = parseHttpUrl('preview-url', inputs['preview-url'])
  const scaleDownDelayMs = parseDuration('scale-down-delay', inputs['scale-down-delay'], { allowZero: true })
  if (previewUrl && strategy !== 'blue-green') throw new InputError('preview-url', inputs['preview-url'], 'empty unless strategy is blue-green')
  const analysis = parseAnalysis(inputs, strategy)
  const config: StrategyConfig = { strategy, canarySteps, scaleDownDelayMs }
  if (previewUrl) config.previewUrl = previewUrl
  if (analysis) config.analysis = analysis
  return config
}

function parseStrategy(value: string): Strategy {
  const text = value.trim()
  if (text === 'rolling' || text === 'canary' || text === 'blue-green') return text
  throw new InputError('strategy', value, 'rolling, canary or blue-green')
}

function parseSteps(value: string): CanaryStepEntry[] {
  try {
    return parseCanarySteps(value)
  } catch (error) {
    throw new InputError('canary-steps', value, (error as Error).message)
  }
}

export function parseHttpUrl(input: string, value: string): URL | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const url = URL.parse(text)
  if (url === null || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    throw new InputError(input, value, 'an http:// or https:// URL such as http://127.0.0.1:8080/health')
  }
  return url
}

function parseAnalysis(inputs: Inputs, strategy: Strategy): AnalysisConfig | undefined {
  const source = parseSource(inputs)
  const condition = inputs['success-condition'].trim()
  const compare = inputs.compare.trim()
  if (compare !== 'none' && compare !== 'baseline') throw new InputError('compare', inputs.compare, 'none or baseline')
  const noData = inputs['no-data'].trim()
  if (noData !== 'fail' && noData !== 'inconclusive' && noData !== 'pass') throw new InputError('no-data', inputs['no-data'], 'fail, inconclusive or pass')
  const intervalMs = parseDuration('analysis-interval', inputs['analysis-interval'])
  const durationMs = parseDuration('analysis-duration', inputs['analysis-duration'])
  const failureLimit = parseCount('failure-limit', inputs['failure-limit'])
  const inconclusiveLimit = parseCount('inconclusive-limit', inputs['inconclusive-limit'])
  const tolerance = parseBaselineTolerance(inputs['baseline-tolerance'])

  if (!source) {
    // A condition with nothing to measure would never be checked: say so rather than pass.
    if (condition) throw new InputError('success-condition', condition, 'empty unless prometheus-url or metrics-url is set')
    if (compare === 'baseline') throw new InputError('compare', compare, 'none unless prometheus-url or metrics-url is set')
    return undefined
  }
  if (durationMs < intervalMs) {
    throw new InputError('analysis-duration', inputs['analysis-duration'], `a duration at least as long as analysis-interval (${inputs['analysis-interval'].trim()})`)
  }
  if (compare === 'baseline' && strategy !== 'canary') {
    throw new InputError('compare', compare, 'none unless strategy is canary (a baseline needs stable replicas serving beside the new ones)')
  }
  if (!condition && compare !== 'baseline') {
    throw new InputError('success-condition', '', 'a condition such as result < 0.01 (or compare: baseline), since a metrics source is set')
  }
  const text = source.kind === 'prometheus' ? source.query : condition
  if (compare === 'baseline' && !hasPlaceholder(text, 'canary')) {
    const input = source.kind === 'prometheus' ? 'metrics-query' : 'success-condition'
    throw new InputError(input, text, 'a query with {{canary}} where the service name goes, so that it can be run for the canary and for the stable service')
  }
  if (condition) checkCondition(condition, source.kind === 'prometheus' ? 'query' : 'scrape')

  const analysis: AnalysisConfig = {
    source,
    intervalMs,
    durationMs,
    limits: { failureLimit, inconclusiveLimit, consecutiveErrorLimit: CONSECUTIVE_ERROR_LIMIT },
    noData: noData as NoDataPolicy
  }
  if (condition) analysis.condition = condition
  if (compare === 'baseline') analysis.baseline = tolerance
  return analysis
}

function parseSource(inputs: Inputs): MetricsSource | undefined {
  const prometheus = parseHttpUrl('prometheus-url', inputs['prometheus-url'])
  const scrape = parseHttpUrl('metrics-url', inputs['metrics-url'])
  const query = inputs['metrics-query'].trim()
  if (prometheus && scrape) throw new InputError('metrics-url', inputs['metrics-url'], 'empty when prometheus-url is set (use one metrics source)')
  if (query && !prometheus) throw new InputError('metrics-query', query, 'empty unless prometheus-url is set (with metrics-url, write the measure in success-condition)')
  if (scrape) return { kind: 'scrape', url: scrape }
  if (!prometheus) return undefined
  if (!query) throw new InputError('metrics-query', '', 'a PromQL query, since prometheus-url is set')
  const unknown = unknownPlaceholder(query)
  if (unknown) throw new InputError('metrics-query', query, `only {{canary}} and {{stable}} as placeholders (found ${unknown})`)
  return { kind: 'prometheus', url: prometheus, query }
}

function checkCondition(condition: string, mode: 'query' | 'scrape'): void {
  const unknown = unknownPlaceholder(condition)
  if (unknown) throw new InputError('success-condition', condition, `only {{canary}} and {{stable}} as placeholders (found ${unknown})`)
  try {
    parseCondition(fillPlaceholders(condition, SAMPLE_NAMES), mode)
  } catch (error) {
    if (!(error instanceof ConditionError)) throw error
    const form = mode === 'query' ? 'a condition on result, such as result < 0.01' : 'a condition such as ratio(http_requests_total{code=~"5.."}, http_requests_total) < 0.01'
    throw new InputError('success-condition', condition, `${form} (${error.message})`)
  }
}

function parseBaselineTolerance(value: string) {
  try {
    return parseTolerance(value.trim())
  } catch (error) {
    throw new InputError('baseline-tolerance', value, `a relative and/or absolute margin such as 20%, +0.01 or 20%+0.01 (${(error as Error).message})`)
  }
}

function parseCount(input: string, value: string): number {
  const text = value.trim()
  if (/^\d{1,6}$/.test(text)) return Number(text)
  throw new InputError(input, value, 'a whole number, 0 or more')
}
