// The Prometheus edge against the API's real reply shapes (served by nock) and real sockets for the
// failures nock cannot fake faithfully: a server that never answers, a port nobody listens on.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { closedPort, expectRejection, withServer } from '../support/sockets.js'
import { MetricsError } from '../../src/gates/metrics-error.js'
import { createPrometheusClient } from '../../src/gates/prometheus.js'

const BASE = 'http://prometheus.test:9090'
const QUERY = 'sum by (server) (rate(haproxy_server_http_responses_total{code="5xx"}[1m]))'

afterEach(() => nock.cleanAll())
// nock patches Node's own http module, which every test file in a --runInBand run shares: undo it.
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

const expectMetricsError = (promise: Promise<unknown>, message: string): Promise<void> => expectRejection(promise, MetricsError, message)

function vector(result: unknown[]): object {
  return { status: 'success', data: { resultType: 'vector', result } }
}

describe('createPrometheusClient', () => {
  const client = createPrometheusClient(new URL(BASE))

  it('reads an instant vector of several series, labels and values', async () => {
    nock(BASE)
      .get('/api/v1/query')
      .query({ query: QUERY })
      .reply(
        200,
        vector([
          { metric: { server: 'api1' }, value: [1_700_000_000.123, '0.25'] },
          { metric: { server: 'api-canary1' }, value: [1_700_000_000.123, '1.5e-3'] },
          { metric: {}, value: [1_700_000_000.123, '0'] }
        ])
      )
    expect(await client.query(QUERY, 1000)).toEqual([
      { labels: { server: 'api1' }, value: 0.25 },
      { labels: { server: 'api-canary1' }, value: 0.0015 },
      { labels: {}, value: 0 }
    ])
  })

  it('sends the query percent-encoded, with JSON accepted', async () => {
    let path = ''
    nock(BASE, { reqheaders: { accept: 'application/json' } })
      .get((uri) => {
        path = uri
        return true
      })
      .reply(200, vector([]))
    await client.query('rate(x{a="b c"}[1m]) + 1', 1000)
    expect(path).toBe('/api/v1/query?query=rate(x%7Ba%3D%22b%20c%22%7D%5B1m%5D)%20%2B%201')
  })

  it('reads a scalar as one series without labels', async () => {
    nock(BASE).get('/api/v1/query').query({ query: 'scalar(up)' }).reply(200, {
      status: 'success',
      data: { resultType: 'scalar', result: [1_700_000_000, '1.5'] }
    })
    expect(await client.query('scalar(up)', 1000)).toEqual([{ labels: {}, value: 1.5 }])
  })

  it('reads NaN and infinities as numbers, not errors', async () => {
    nock(BASE)
      .get('/api/v1/query')
      .query(true)
      .reply(
        200,
        vector([
          { metric: { server: 'a' }, value: [1, 'NaN'] },
          { metric: { server: 'b' }, value: [1, '+Inf'] },
          { metric: { server: 'c' }, value: [1, '-Inf'] }
        ])
      )
    expect(await client.query('x / y', 1000)).toEqual([
      { labels: { server: 'a' }, value: NaN },
      { labels: { server: 'b' }, value: Infinity },
      { labels: { server: 'c' }, value: -Infinity }
    ])
  })

  it('reads a scalar NaN', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(200, { status: 'success', data: { resultType: 'scalar', result: [1, 'NaN'] } })
    expect(await client.query('scalar(x)', 1000)).toEqual([{ labels: {}, value: NaN }])
  })

  it('reads an empty vector as no series', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(200, vector([]))
    expect(await client.query('absent_metric', 1000)).toEqual([])
  })

  it('ignores warnings next to the data', async () => {
    nock(BASE)
      .get('/api/v1/query')
      .query(true)
      .reply(200, { ...vector([{ metric: {}, value: [1, '2'] }]), warnings: ['PromQL info: metric might not be a counter'] })
    expect(await client.query('rate(x[1m])', 1000)).toEqual([{ labels: {}, value: 2 }])
  })

  it('refuses a range vector, saying to write an instant query', async () => {
    nock(BASE)
      .get('/api/v1/query')
      .query(true)
      .reply(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }] } })
    await expectMetricsError(client.query('x[1m]', 1000), 'the query returned a range vector; write an instant query, e.g. rate(x[1m])')
  })

  it('refuses a string result', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(200, { status: 'success', data: { resultType: 'string', result: [1, 'hello'] } })
    await expectMetricsError(
      client.query('"hello"', 1000),
      'the query returned a string; write a query that returns a number or an instant vector'
    )
  })

  it('quotes the reason Prometheus gives for a bad query', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(400, {
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:6: parse error: unexpected right parenthesis \')\''
    })
    await expectMetricsError(
      client.query('rate(x))', 1000),
      'Prometheus rejected the query (bad_data): invalid parameter "query": 1:6: parse error: unexpected right parenthesis \')\''
    )
  })

  it('quotes an execution error and a server-side timeout the same way', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(422, { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' })
    await expectMetricsError(client.query('a / b', 1000), 'Prometheus rejected the query (execution): many-to-many matching not allowed')
    nock(BASE).get('/api/v1/query').query(true).reply(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' })
    await expectMetricsError(client.query('a / b', 1000), 'Prometheus rejected the query (timeout): query timed out in expression evaluation')
  })

  it('quotes an error without a type', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(400, { status: 'error', error: 'no' })
    await expectMetricsError(client.query('x', 1000), 'Prometheus rejected the query: no')
  })

  it('names the status and the endpoint, without the query, for a non-2xx reply without JSON', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(503, 'Service Unavailable')
    await expectMetricsError(client.query('up', 1000), `Prometheus answered HTTP 503 at ${BASE}/api/v1/query`)
  })

  it('names the status of a non-2xx reply whose JSON is not an API error', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(404, { message: 'not found' })
    await expectMetricsError(client.query('up', 1000), `Prometheus answered HTTP 404 at ${BASE}/api/v1/query`)
  })

  it('quotes the start of a 2xx reply that is not JSON, on one line', async () => {
    const page = `<!DOCTYPE html>\n<html>\n  <head><title>Sign in</title></head>\n  <body>${'x'.repeat(200)}</body>\n</html>`
    nock(BASE).get('/api/v1/query').query(true).reply(200, page)
    await expectMetricsError(
      client.query('up', 1000),
      'Prometheus answered something that is not its JSON API (<!DOCTYPE html> <html> <head><title>Sign in</title></head> <body>xxxxxxxxxxxxxxx)'
    )
  })

  it('says so when a 2xx reply is empty', async () => {
    nock(BASE).get('/api/v1/query').query(true).reply(200, '')
    await expectMetricsError(client.query('up', 1000), 'Prometheus answered something that is not its JSON API (an empty body)')
  })

  it.each([
    ['a value that is a number, not a string', vector([{ metric: {}, value: [1, 2] }])],
    ['a value that is not a number', vector([{ metric: {}, value: [1, 'many'] }])],
    ['a label value that is not a string', vector([{ metric: { a: 1 }, value: [1, '2'] }])],
    ['no metric', vector([{ value: [1, '2'] }])],
    ['an unknown result type', { status: 'success', data: { resultType: 'histogram', result: [] } }],
    ['no data', { status: 'success' }]
  ])('refuses JSON of another shape: %s', async (_title, body) => {
    nock(BASE).get('/api/v1/query').query(true).reply(200, body)
    await expectMetricsError(
      client.query('up', 1000),
      `Prometheus answered something that is not its JSON API (${JSON.stringify(body).slice(0, 80)})`
    )
  })

  it.each([
    ['http://prometheus.test:9090/prom/', '/prom/api/v1/query'],
    ['http://prometheus.test:9090/prom', '/prom/api/v1/query'],
    ['http://prometheus.test:9090/a/b/?ignored=1#frag', '/a/b/api/v1/query']
  ])('keeps the path of %s', async (base, path) => {
    nock(BASE).get(path).query({ query: 'up' }).reply(200, vector([{ metric: {}, value: [1, '1'] }]))
    expect(await createPrometheusClient(new URL(base)).query('up', 1000)).toEqual([{ labels: {}, value: 1 }])
  })

  it('names the endpoint under the base path when it answers non-2xx', async () => {
    nock(BASE).get('/prom/api/v1/query').query(true).reply(502, 'Bad Gateway')
    await expectMetricsError(
      createPrometheusClient(new URL(`${BASE}/prom/`)).query('up', 1000),
      `Prometheus answered HTTP 502 at ${BASE}/prom/api/v1/query`
    )
  })

  it('sends the given headers and never shows an Authorization value', async () => {
    const token = 'Bearer s3cr3t-token'
    nock(BASE, { reqheaders: { authorization: token, 'x-scope-orgid': 'team-a', accept: 'application/json' } })
      .get('/api/v1/query')
      .query(true)
      .reply(401, 'Unauthorized')
    const authed = createPrometheusClient(new URL(BASE), { headers: { Authorization: token, 'X-Scope-OrgID': 'team-a' } })
    await expectMetricsError(authed.query('up', 1000), `Prometheus answered HTTP 401 at ${BASE}/api/v1/query`)
  })

  it('sends user:password from the URL as Basic auth and never shows them', async () => {
    nock(BASE, { reqheaders: { authorization: `Basic ${Buffer.from('alice:p@ss').toString('base64')}` } })
      .get('/api/v1/query')
      .query(true)
      .reply(503, 'down')
    const authed = createPrometheusClient(new URL('http://alice:p%40ss@prometheus.test:9090/'))
    await expectMetricsError(authed.query('up', 1000), `Prometheus answered HTTP 503 at ${BASE}/api/v1/query`)
  })

  it('refuses a header that cannot be sent without quoting its value', () => {
    expect(() => createPrometheusClient(new URL(BASE), { headers: { Authorization: 'Bearer abc\ndef' } })).toThrow(
      new MetricsError('the header "Authorization" cannot be sent: its name or value has characters HTTP does not allow')
    )
  })

  it('names the DNS failure when the host does not resolve', async () => {
    // An Error instance: nock turns a plain object into a fetch that never settles.
    const dnsFailure = Object.assign(new Error('getaddrinfo ENOTFOUND prometheus.test'), { code: 'ENOTFOUND' })
    nock(BASE).get('/api/v1/query').query(true).replyWithError(dnsFailure)
    await expectMetricsError(client.query('up', 1000), `cannot reach Prometheus at ${BASE}/: ENOTFOUND`)
  })

  it('names a refused connection, with the base URL', async () => {
    nock.enableNetConnect('127.0.0.1')
    const port = await closedPort()
    await expectMetricsError(
      createPrometheusClient(new URL(`http://127.0.0.1:${port}/prom/`)).query('up', 1000),
      `cannot reach Prometheus at http://127.0.0.1:${port}/prom/: ECONNREFUSED`
    )
  })

  it('gives up on a server that never answers', async () => {
    // A real socket that accepts and never answers (nock's delay does not mix with an aborted fetch).
    nock.enableNetConnect('127.0.0.1')
    await withServer(async (port) => {
      await expectMetricsError(createPrometheusClient(new URL(`http://127.0.0.1:${port}`)).query('up', 100), 'Prometheus did not answer within 100 ms')
    })
  })

  it('gives up on a reply whose body stops coming', async () => {
    nock.enableNetConnect('127.0.0.1')
    await withServer(
      async (port) => {
      await expectMetricsError(createPrometheusClient(new URL(`http://127.0.0.1:${port}`)).query('up', 150), 'Prometheus did not answer within 150 ms')
      },
      (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"status":"success",')
      }
    )
  })
})
