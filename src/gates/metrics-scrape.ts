// The scrape edge: one GET of a /metrics endpoint (an exporter, HAProxy, the app itself), parsed into
// Samples. For targets without a Prometheus server; two scrapes make a rate.
import type { Sample } from '../analysis/types.js'
import { fetchText, mergeHeaders, MetricsError, showUrl } from './metrics-error.js'
import { parseTextFormat } from './text-format.js'

export interface MetricsScraper {
  scrape(url: URL, timeoutMs: number): Promise<Sample[]>
}

// Ask for the text format first: OpenMetrics is parsed too, but some exporters would otherwise
// answer protobuf, which this parser does not read.
const ACCEPT = 'text/plain;version=0.0.4, application/openmetrics-text;version=1.0.0;q=0.5, */*;q=0.1'

/** `headers` (e.g. Authorization) are sent with every scrape and never appear in a message. */
export function createMetricsScraper(opts: { headers?: Record<string, string> } = {}): MetricsScraper {
  const headers = mergeHeaders({ accept: ACCEPT, 'user-agent': 'zero-downtime-deploy metric gate' }, opts.headers)
  return {
    async scrape(url, timeoutMs) {
      const shown = showUrl(url)
      const outcome = await fetchText(url, headers, timeoutMs)
      if (outcome.kind === 'timeout') throw new MetricsError(`the metrics endpoint ${shown} did not answer within ${timeoutMs} ms`)
      if (outcome.kind === 'unreachable') throw new MetricsError(`cannot reach the metrics endpoint ${shown}: ${outcome.reason}`)
      if (outcome.status < 200 || outcome.status > 299) {
        throw new MetricsError(`the metrics endpoint ${shown} answered HTTP ${outcome.status}`)
      }
      try {
        return parseTextFormat(outcome.body)
      } catch (error) {
        // Name the endpoint: with several targets, "line 1 is malformed" alone does not say whose (often a login page).
        const why = error instanceof Error ? error.message : String(error)
        throw new MetricsError(`the metrics endpoint ${shown} answered something other than Prometheus metrics: ${why}`, { cause: error })
      }
    }
  }
}
