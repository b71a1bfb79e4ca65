// The vocabulary of metric analysis, shared by the pure core (conditions, assess, baseline) and the
// edges that fetch numbers (Prometheus HTTP API, a scraped text endpoint). Argo Rollouts' words.

/** One series from a Prometheus query or a scrape: its labels and its value (NaN stays NaN). */
export interface Series {
  labels: Record<string, string>
  value: number
}

/** One sample of a scraped text endpoint: metric name, labels and value. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Two scrapes of one endpoint: the start of the analysis window and now. */
export interface ScrapeWindow {
  start: Sample[]
  end: Sample[]
  /** Seconds between the two scrapes. */
  seconds: number
}

/** What a condition said about one reading. `no-data`: empty result, NaN, or a ratio over zero traffic. */
export interface Evaluation {
  outcome: 'pass' | 'fail' | 'no-data'
  /** Every value measured, by a readable name, e.g. `result{server="api-canary1"}` or `ratio(…)`. */
  values: Record<string, number>
  /** One line for the log: what was measured and why it passed or failed. */
  detail: string
}

export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error'

/** One reading of the metric gate at one moment, judged. */
export interface Measurement {
  /** epoch ms */
  at: number
  phase: MeasurementPhase
  values: Record<string, number>
  detail: string
}

/** What to make of a reading with no data. Empty or NaN never passes silently: `pass` must be chosen. */
export type NoDataPolicy = 'fail' | 'inconclusive' | 'pass'

export interface AnalysisLimits {
  /** Failed measurements tolerated; one more fails the analysis. */
  failureLimit: number
  /** Inconclusive measurements tolerated; one more makes the analysis inconclusive (= abort). */
  inconclusiveLimit: number
  /** Consecutive errors (fetch failed) tolerated; one more fails the analysis. */
  consecutiveErrorLimit: number
}

export type AnalysisPhase = 'running' | 'successful' | 'failed' | 'inconclusive'

export interface AnalysisVerdict {
  phase: AnalysisPhase
  /** Why it failed or was inconclusive, naming the counts and the last reading. */
  reason?: string
}

/** One label matcher of a selector, as in PromQL: `code=~"5.."`. Regexes are fully anchored. */
export interface LabelMatcher {
  label: string
  op: '=' | '!=' | '=~' | '!~'
  value: string
}

/** A metric name and label matchers, e.g. `http_requests_total{code=~"5.."}`. */
export interface Selector {
  name: string
  matchers: LabelMatcher[]
}

// The parsed success-condition (condition-parse.ts): plain data, printed back by describeCondition.

/** `query`: the value of a Prometheus query (`result`). `scrape`: functions over a scraped endpoint. */
export type ConditionMode = 'query' | 'scrape'

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!='

export type Call =
  | { fn: 'increase' | 'rate' | 'value'; selector: Selector }
  | { fn: 'ratio'; numerator: Selector; denominator: Selector }
  | { fn: 'quantile'; q: number; selector: Selector }

export type Operand = { kind: 'number'; value: number } | { kind: 'result' } | { kind: 'call'; call: Call }

export type Expr =
  | { kind: 'or' | 'and'; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'compare'; op: ComparisonOp; left: Operand; right: Operand }

export interface Condition {
  mode: ConditionMode
  expr: Expr
}
