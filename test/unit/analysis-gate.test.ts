// The metric gate makes only the reader its source needs: a scraped endpoint gets no Prometheus client
// (there is no Prometheus URL to give one), a Prometheus source no scraper.
import { describe, expect, it } from '@jest/globals'
import { createAnalysisGate, defaultReaders, type MetricsReaders } from '../../src/gates/analysis-gate.js'
import type { AnalysisConfig, MetricsSource } from '../../src/config/types.js'

const NAMES = { canary: 'api-canary', stable: 'api' }

function config(source: MetricsSource, condition: string): AnalysisConfig {
  return {
    source,
    condition,
    intervalMs: 2000,
    durationMs: 6000,
    limits: { failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2 },
    noData: 'inconclusive'
  }
}

/** The default readers, noting which were made and for what. */
function recordingReaders(): { readers: MetricsReaders; made: string[] } {
  const made: string[] = []
  return {
    made,
    readers: {
      prometheus: (url) => {
        made.push(`prometheus ${url.href}`)
        return defaultReaders.prometheus(url)
      },
      scraper: () => {
        made.push('scraper')
        return defaultReaders.scraper()
      }
    }
  }
}

describe('createAnalysisGate', () => {
  it('makes a Prometheus client for the configured Prometheus only', () => {
    const { readers, made } = recordingReaders()
    const gate = createAnalysisGate(config({ kind: 'prometheus', url: new URL('http://127.0.0.1:9090/'), query: 'up{job="{{canary}}"}' }, 'result < 0.05'), NAMES, readers)
    expect(made).toEqual(['prometheus http://127.0.0.1:9090/'])
    expect(gate.description).toBe('Prometheus http://127.0.0.1:9090: up{job="api-canary"}')
  })

  it('makes only a scraper for a metrics endpoint', () => {
    const { readers, made } = recordingReaders()
    const gate = createAnalysisGate(config({ kind: 'scrape', url: new URL('http://127.0.0.1:8404/metrics') }, 'rate(errors_total) < 1'), NAMES, readers)
    expect(made).toEqual(['scraper'])
    expect(gate.description).toBe('metrics endpoint http://127.0.0.1:8404/metrics: rate(errors_total) < 1')
  })
})
