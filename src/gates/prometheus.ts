// The Prometheus edge: one instant query over the HTTP API, its reply turned into Series.
// Any failure is a MetricsError whose message says what to fix: the query, the address, or the server.
import type { Series } from '../analysis/types.js'
import { fetchText, mergeHeaders, MetricsError, showUrl } from './metrics-error.js'
import { parseSampleValue } from './text-format.js'

export interface PrometheusClient {
  /** The instant vector or scalar a PromQL expression evaluates to now; `[]` for an empty vector. */
  query(promql: string, timeoutMs: number): Promise<Series[]>
}

// The API's body is quoted in a message only to show what answered instead (a login page, a proxy).
const SHOWN_BODY_MAX = 80

/**
 * `baseUrl` is where Prometheus serves its UI, with any path prefix (`http://host:9090/prom/`).
 * `headers` (e.g. Authorization) are sent with every query and never appear in a message.
 */
export function createPrometheusClient(baseUrl: URL, opts: { headers?: Record<string, string> } = {}): PrometheusClient {
  const endpoint = queryEndpoint(baseUrl)
  const headers = mergeHeaders({ accept: 'application/json', 'user-agent': 'zero-downtime-deploy metric gate' }, opts.headers)
  const shownBase = showUrl(baseUrl, { query: false })
  const shownEndpoint = showUrl(endpoint, { query: false })
  return {
    async query(promql, timeoutMs) {
      const url = new URL(endpoint.href)
      url.search = `?query=${encodeURIComponent(promql)}`
      const outcome = await fetchText(url, headers, timeoutMs)
      if (outcome.kind === 'timeout') throw new MetricsError(`Prometheus did not answer within ${timeoutMs} ms`)
      if (outcome.kind === 'unreachable') throw new MetricsError(`cannot reach Prometheus at ${shownBase}: ${outcome.reason}`)
      return readReply(outcome.status, outcome.body, shownEndpoint)
    }
  }
}

/** `<base>/api/v1/query`, keeping a path prefix whether or not it ends with a slash. */
function queryEndpoint(baseUrl: URL): URL {
  const base = new URL(baseUrl.href)
  base.search = ''
  base.hash = ''
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  return new URL('api/v1/query', base)
}

function readReply(status: number, body: string, shownEndpoint: string): Series[] {
  const json = parseJson(body)
  // Prometheus says why it refused a query (400 bad_data, 422 execution, 503 timeout) in the body.
  if (isRecord(json) && json.status === 'error' && typeof json.error === 'string') {
    const type = typeof json.errorType === 'string' && json.errorType !== '' ? ` (${json.errorType})` : ''
    throw new MetricsError(`Prometheus rejected the query${type}: ${json.error}`)
  }
  if (status < 200 || status > 299) throw new MetricsError(`Prometheus answered HTTP ${status} at ${shownEndpoint}`)
  const series = isRecord(json) && json.status === 'success' ? readData(json.data) : undefined
  if (series === undefined) throw notTheApi(body)
  return series
}

/** The `data` of a successful reply; `undefined` when it does not have the API's shape. */
function readData(data: unknown): Series[] | undefined {
  if (!isRecord(data)) return undefined
  switch (data.resultType) {
    case 'vector': {
      if (!Array.isArray(data.result)) return undefined
      const series: Series[] = []
      for (const item of data.result) {
        const labels = isRecord(item) ? readLabels(item.metric) : undefined
        const value = isRecord(item) ? readValue(item.value) : undefined
        if (labels === undefined || value === undefined) return undefined
        series.push({ labels, value })
      }
      return series
    }
    case 'scalar': {
      const value = readValue(data.result)
      return value === undefined ? undefined : [{ labels: {}, value }]
    }
    case 'matrix':
      throw new MetricsError('the query returned a range vector; write an instant query, e.g. rate(x[1m])')
    case 'string':
      throw new MetricsError('the query returned a string; write a query that returns a number or an instant vector')
    default:
      return undefined
  }
}

/** `[<unix seconds>, "<value>"]`: values are strings so that NaN and ±Inf survive JSON. */
function readValue(pair: unknown): number | undefined {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') return undefined
  return parseSampleValue(pair[1])
}

function readLabels(metric: unknown): Record<string, string> | undefined {
  // An aggregated result (`sum(…)`) comes with `metric: {}`, which is its labels.
  if (!isRecord(metric)) return undefined
  const entries = Object.entries(metric)
  return entries.every(([, value]) => typeof value === 'string') ? Object.fromEntries(entries as [string, string][]) : undefined
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function notTheApi(body: string): MetricsError {
  const shown = body.replace(/\s+/g, ' ').trim().slice(0, SHOWN_BODY_MAX)
  return new MetricsError(`Prometheus answered something that is not its JSON API (${shown === '' ? 'an empty body' : shown})`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
