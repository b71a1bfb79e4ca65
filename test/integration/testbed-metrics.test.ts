// The test bed's pieces for canary and blue-green tests with metric analysis: Prometheus (started by
// up.sh), HAProxy with stable and canary server-templates scraped by it, the fixture app's bad-errors
// image (500 on /api, healthy otherwise) and the bounded load generator. Cleans up only what it created.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { startLoad, type LoadResult } from '../support/load.js'
import {
  createCleanup,
  createNetwork,
  createService,
  fixtureImage,
  httpGet,
  sleep,
  uniqueName,
  waitFor
} from '../support/testbed.js'
import { proxyConfig, startProxy, type Proxy } from '../support/proxy.js'
import { PROMETHEUS_URL, promQuery, promValue } from '../support/prometheus.js'

jest.setTimeout(180_000)

const cleanup = createCleanup()
afterAll(() => cleanup.run())

describe('Prometheus of the test bed', () => {
  it('is ready and answers a query', async () => {
    const ready = await httpGet(`${PROMETHEUS_URL}/-/ready`)
    expect(ready.status).toBe(200)
    expect(await promQuery('vector(42)')).toEqual([{ metric: {}, value: 42 }])
    expect(await promValue('vector(1) / 0')).toBe(Infinity)
    expect(await promValue('sum(zdd_no_such_metric)')).toBeUndefined()
  })
})

describe('proxyConfig', () => {
  it('has a stable and a canary server-template, and a preview one only on request', () => {
    const cfg = proxyConfig('roll-abc', { slots: 4 })
    expect(cfg).toContain('server-template roll-abc 4 tasks.roll-abc:80 check resolvers docker init-addr none')
    expect(cfg).toContain('server-template roll-abc-canary 4 tasks.roll-abc-canary:80 check')
    expect(cfg).not.toContain('roll-abc-preview')
    expect(proxyConfig('roll-abc', { includePreview: true })).toContain(
      'server-template roll-abc-preview 10 tasks.roll-abc-preview:80 check'
    )
  })
})

describe('canary behind a scraped proxy', () => {
  const service = uniqueName('metrics')
  const canary = `${service}-canary`
  let proxy: Proxy
  let load: LoadResult

  // Per-server responses of this proxy's backend over the last 30 s.
  const responses = (servers: string, code?: string): string =>
    `haproxy_server_http_responses_total{proxy="app",proxy_name="${proxy.name}",server=~"${servers}"${
      code ? `,code="${code}"` : ''
    }}`
  const stable = `${service}[0-9]+`
  const canaryServers = `${canary}[0-9]+`

  beforeAll(async () => {
    const network = uniqueName('net')
    await createNetwork(network)
    cleanup.network(network)
    cleanup.service(service)
    await createService({ name: service, image: fixtureImage('v1'), replicas: 2, network, endpointMode: 'dnsrr' })
    cleanup.service(canary)
    await createService({ name: canary, image: fixtureImage('bad-errors'), replicas: 1, network, endpointMode: 'dnsrr' })
    proxy = await startProxy({ service, network, scrape: true })
    cleanup.proxy(proxy)
    // Both the stable servers and the canary take traffic before the load starts.
    await waitFor(
      'the proxy to route to the canary and to v1',
      async () => {
        const seen = new Set<string>()
        for (let i = 0; i < 12; i++) seen.add((await httpGet(`${proxy.url}/version`)).body)
        return seen.has('v1') && seen.has('v2-errors')
      },
      { timeoutMs: 30_000, intervalMs: 500 }
    )
    const running = startLoad(`${proxy.url}/api`, { concurrency: 4, maxMs: 6_000, maxRequests: 20_000 })
    load = await running.done
  })

  it('the load hit both: 200 from v1, 500 from the canary', () => {
    expect(load.errors).toEqual({})
    expect(load.statuses['200']).toBeGreaterThan(0)
    expect(load.statuses['500']).toBeGreaterThan(0)
    expect(load.total).toBe(load.ok + load.failed)
    // Round robin over 2 stable servers and 1 canary: about a third fails.
    expect(load.failed / load.total).toBeGreaterThan(0.2)
    expect(load.failed / load.total).toBeLessThan(0.5)
  })

  it('Prometheus tells canary 5xx from stable 5xx', async () => {
    // Scraped every second: wait until the last responses are in.
    const canary5xx = await waitFor(
      'the canary 5xx to reach the load count in Prometheus',
      async () => {
        const v = await promValue(`sum(increase(${responses(canaryServers, '5xx')}[30s]))`)
        return v !== undefined && v >= (load.statuses['500'] ?? 0) * 0.9 ? v : undefined
      },
      { timeoutMs: 20_000, intervalMs: 500 }
    )
    expect(canary5xx).toBeGreaterThan(0)
    expect(await promValue(`sum(increase(${responses(stable, '5xx')}[30s]))`)).toBe(0)
    expect(await promValue(`sum(increase(${responses(stable, '2xx')}[30s]))`)).toBeGreaterThan(0)

    // Error ratios as a canary analysis would compute them.
    const ratio = (servers: string): string =>
      `sum(rate(${responses(servers, '5xx')}[30s])) / sum(rate(${responses(servers)}[30s]))`
    const canaryRatio = await promValue(ratio(canaryServers))
    const stableRatio = await promValue(ratio(stable))
    console.log(
      `load ${JSON.stringify(load)}; canary 5xx increase ${canary5xx}; 5xx ratio canary ${canaryRatio}, stable ${stableRatio}\n` +
        `query: ${ratio(canaryServers)}`
    )
    // Not quite 1: the canary also answered the /version probes (200) in that window.
    expect(canaryRatio).toBeGreaterThan(0.9)
    expect(stableRatio).toBe(0)
  })

  it('/health through the proxy is 200 (the canary is healthy, only /api fails)', async () => {
    for (let i = 0; i < 6; i++) expect((await httpGet(`${proxy.url}/health`)).status).toBe(200)
  })

  it('stop() removes the scrape target', async () => {
    await proxy.stop()
    await sleep(100)
    await waitFor(
      'Prometheus to drop the target',
      async () => (await promQuery(`up{proxy_name="${proxy.name}"}`)).length === 0,
      { timeoutMs: 20_000, intervalMs: 500 }
    )
  })
})
