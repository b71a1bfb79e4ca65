// The scrape edge: a /metrics endpoint served by nock, and real sockets for a timeout and a refusal.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { closedPort, expectRejection, withServer } from '../support/sockets.js'
import { MetricsError } from '../../src/gates/metrics-error.js'
import { createMetricsScraper } from '../../src/gates/metrics-scrape.js'

const BASE = 'http://haproxy.test:8405'
const ACCEPT = 'text/plain;version=0.0.4, application/openmetrics-text;version=1.0.0;q=0.5, */*;q=0.1'

afterEach(() => nock.cleanAll())
// nock patches Node's own http module, which every test file in a --runInBand run shares: undo it.
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

const expectMetricsError = (promise: Promise<unknown>, message: string): Promise<void> => expectRejection(promise, MetricsError, message)

describe('createMetricsScraper', () => {
  const scraper = createMetricsScraper()

  it('asks for the text format and parses the reply', async () => {
    nock(BASE, { reqheaders: { accept: ACCEPT } })
      .get('/metrics')
      .reply(
        200,
        [
          '# HELP haproxy_server_http_responses_total Total number of HTTP responses.',
          '# TYPE haproxy_server_http_responses_total counter',
          'haproxy_server_http_responses_total{proxy="app",server="api1",code="2xx"} 4821',
          'haproxy_server_http_responses_total{proxy="app",server="api1",code="5xx"} 12',
          ''
        ].join('\n'),
        { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }
      )
    expect(await scraper.scrape(new URL(`${BASE}/metrics`), 1000)).toEqual([
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api1', code: '2xx' }, value: 4821 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api1', code: '5xx' }, value: 12 }
    ])
  })

  it('keeps the query string of the URL', async () => {
    nock(BASE).get('/metrics').query({ scope: 'server' }).reply(200, 'up 1\n')
    expect(await scraper.scrape(new URL(`${BASE}/metrics?scope=server`), 1000)).toEqual([{ name: 'up', labels: {}, value: 1 }])
  })

  it('reads an empty page as no samples', async () => {
    nock(BASE).get('/metrics').reply(200, '')
    expect(await scraper.scrape(new URL(`${BASE}/metrics`), 1000)).toEqual([])
  })

  it('names the endpoint and the status of a non-2xx reply', async () => {
    nock(BASE).get('/metrics').reply(500, 'internal error')
    await expectMetricsError(scraper.scrape(new URL(`${BASE}/metrics`), 1000), `the metrics endpoint ${BASE}/metrics answered HTTP 500`)
  })

  it('follows a redirect to the metrics', async () => {
    nock(BASE).get('/metrics').reply(301, '', { location: `${BASE}/metrics/` })
    nock(BASE).get('/metrics/').reply(200, 'up 1\n')
    expect(await scraper.scrape(new URL(`${BASE}/metrics`), 1000)).toEqual([{ name: 'up', labels: {}, value: 1 }])
  })

  it('names the endpoint when it answers something that does not parse', async () => {
    nock(BASE).get('/metrics').reply(200, '<!DOCTYPE html>\n<title>Sign in</title>\n')
    await expectMetricsError(
      scraper.scrape(new URL(`${BASE}/metrics`), 1000),
      `the metrics endpoint ${BASE}/metrics answered something other than Prometheus metrics: ` +
        'line 1 of the metrics text is malformed (expected a metric name): <!DOCTYPE html>'
    )
  })

  it('sends the given headers, and shows neither them nor URL credentials', async () => {
    nock(BASE, { reqheaders: { authorization: 'Bearer s3cr3t', accept: 'text/plain' } })
      .get('/metrics')
      .reply(403, 'forbidden')
    const authed = createMetricsScraper({ headers: { Authorization: 'Bearer s3cr3t', Accept: 'text/plain' } })
    await expectMetricsError(authed.scrape(new URL(`${BASE}/metrics`), 1000), `the metrics endpoint ${BASE}/metrics answered HTTP 403`)

    nock(BASE, { reqheaders: { authorization: `Basic ${Buffer.from('stats:hunter2').toString('base64')}` } })
      .get('/metrics')
      .reply(500, '')
    await expectMetricsError(
      scraper.scrape(new URL('http://stats:hunter2@haproxy.test:8405/metrics'), 1000),
      `the metrics endpoint ${BASE}/metrics answered HTTP 500`
    )
  })

  it('names the cause of a failed connection, its code when it has one', async () => {
    // An Error instance: nock turns a plain object into a fetch that never settles.
    nock(BASE).get('/metrics').replyWithError(Object.assign(new Error('getaddrinfo EAI_AGAIN haproxy.test'), { code: 'EAI_AGAIN' }))
    await expectMetricsError(scraper.scrape(new URL(`${BASE}/metrics`), 1000), `cannot reach the metrics endpoint ${BASE}/metrics: EAI_AGAIN`)
    nock(BASE).get('/metrics').replyWithError(new Error('socket hang up'))
    await expectMetricsError(scraper.scrape(new URL(`${BASE}/metrics`), 1000), `cannot reach the metrics endpoint ${BASE}/metrics: socket hang up`)
  })

  it('names a refused connection', async () => {
    nock.enableNetConnect('127.0.0.1')
    const port = await closedPort()
    await expectMetricsError(
      scraper.scrape(new URL(`http://127.0.0.1:${port}/metrics`), 1000),
      `cannot reach the metrics endpoint http://127.0.0.1:${port}/metrics: ECONNREFUSED`
    )
  })

  it('gives up on an endpoint that never answers', async () => {
    // A real socket that accepts and never answers (nock's delay does not mix with an aborted fetch).
    nock.enableNetConnect('127.0.0.1')
    await withServer(async (port) => {
      await expectMetricsError(
        scraper.scrape(new URL(`http://127.0.0.1:${port}/metrics`), 100),
        `the metrics endpoint http://127.0.0.1:${port}/metrics did not answer within 100 ms`
      )
    })
  })
})
