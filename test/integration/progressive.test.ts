// Canary and blue-green on the local Swarm, judged by a real Prometheus that scrapes the HAProxy in
// front of each service (its per-server counters tell canary replicas from stable ones) while a
// bounded load runs through the proxy.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import type { Inputs } from '../../src/config/inputs.js'
import { companionName, COMPANION_OF_LABEL } from '../../src/targets/companion-spec.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runDeploy } from '../support/deploy-harness.js'
import { startLoad } from '../support/load.js'
import { APP_REPO, createCleanup, createService, docker, serviceImages, serviceOnOwnNetwork } from '../support/testbed.js'
import { startProxy } from '../support/proxy.js'
import { PROMETHEUS_URL } from '../support/prometheus.js'

jest.setTimeout(240_000)
const cleanup = createCleanup()
afterAll(async () => {
  await cleanup.run()
})

interface Bed {
  service: string
  network: string
  url: string
  /** HAProxy's Prometheus exporter, /metrics (empty without a proxy). */
  metricsUrl: string
}

/** A service on its own network; behind a proxy (scraped by Prometheus when `scrape`) unless `proxy` is false. */
async function bed(replicas = 3, opts: { proxy?: boolean; scrape?: boolean } = {}): Promise<Bed> {
  const { service, network } = await serviceOnOwnNetwork(cleanup, 'prog', replicas)
  if (opts.proxy === false) return { service, network, url: '', metricsUrl: '' }
  const proxy = await startProxy({ service, network, scrape: opts.scrape ?? false })
  cleanup.add(proxy.stop)
  return { service, network, url: proxy.url, metricsUrl: `${proxy.statsUrl}/metrics` }
}

// The 5xx share of the canary's replicas over the last 10 s, as HAProxy counted the answers.
const ERROR_RATIO =
  'sum(rate(haproxy_server_http_responses_total{proxy="app",server=~"{{canary}}[0-9]+",code="5xx"}[10s]))' +
  ' / sum(rate(haproxy_server_http_responses_total{proxy="app",server=~"{{canary}}[0-9]+"}[10s]))'

// A steady, modest load: every /api request runs a CGI script, and the machine has two cores.
const LOAD = { concurrency: 2, pauseMs: 20, maxMs: 200_000 }

const ANALYSIS: Partial<Inputs> = {
  'prometheus-url': PROMETHEUS_URL,
  'metrics-query': ERROR_RATIO,
  'success-condition': 'result < 0.05',
  'analysis-interval': '2s',
  'analysis-duration': '4s'
}

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

async function exists(name: string): Promise<boolean> {
  return inspect(name).then(
    () => true,
    () => false
  )
}

describe('canary on Swarm', () => {
  it('promotes a healthy release after every step passes its analysis, then removes the companion', async () => {
    const b = await bed(3, { scrape: true })
    const load = startLoad(`${b.url}/api`, LOAD)
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '10%,50%',
      'health-url': `${b.url}/health`, ...ANALYSIS, 'inconclusive-limit': '1', 'no-data': 'inconclusive'
    })
    const traffic = await load.stop()
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.log.lines).toContain(`  1. canary 10% → 1 replica(s) beside 3 stable = 25% of traffic, then analyse`)
    const canarySteps = outcome.report.steps.filter((s) => s.name.startsWith('canary '))
    expect(canarySteps.map((s) => s.outcome)).toEqual(['passed', 'passed'])
    expect(canarySteps.every((s) => s.measurements.some((m) => m.phase === 'successful' && 'result' in m.values))).toBe(true)
    expect(await exists(companionName(b.service, 'canary'))).toBe(false)
    const images = await serviceImages(b.service)
    expect(images).toHaveLength(3)
    expect(images.every((i) => digestOf(i) === outcome.digest)).toBe(true)
    expect({ failed: traffic.failed, statuses: traffic.statuses, errors: traffic.errors }).toEqual({ failed: 0, statuses: { '200': traffic.ok }, errors: {} })
  })

  it('aborts a release whose requests fail while its health check passes: stable untouched, ratio in the report', async () => {
    const b = await bed(2, { scrape: true })
    const before = await inspect(b.service)
    const load = startLoad(`${b.url}/api`, LOAD)
    const outcome = await runDeploy({
      image: `${APP_REPO}:bad-errors`, service: b.service, strategy: 'canary', 'health-url': `${b.url}/health`, ...ANALYSIS
    })
    await load.stop()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Canary 1\/2: .*metric analysis failed/)
    const first = outcome.report.steps.find((s) => s.name.startsWith('canary 1/2'))
    const failed = first?.measurements.find((m) => m.phase === 'failed')
    expect(failed?.values.result).toBeGreaterThan(0.05)
    expect(first?.measurements.filter((m) => m.phase === 'failed')).toHaveLength(1)
    expect((await inspect(b.service)).Version?.Index).toBe(before.Version?.Index)
    expect(await exists(companionName(b.service, 'canary'))).toBe(false)
  })

  it('compare: baseline aborts a canary that fails more than the stable replicas, read straight from the proxy\'s /metrics', async () => {
    const b = await bed(2)
    const load = startLoad(`${b.url}/api`, LOAD)
    // The fixed condition cannot fail (a ratio is at most 1): only the comparison with the stable replicas can.
    const servers = (name: string): string => `haproxy_server_http_responses_total{proxy="app",server=~"${name}[0-9]+"}`
    const condition = `ratio(haproxy_server_http_responses_total{proxy="app",server=~"{{canary}}[0-9]+",code="5xx"}, ${servers('{{canary}}')}) <= 1`
    const outcome = await runDeploy({
      image: `${APP_REPO}:bad-errors`, service: b.service, strategy: 'canary', 'canary-steps': '50%', 'health-url': `${b.url}/health`,
      'metrics-url': b.metricsUrl, 'success-condition': condition, compare: 'baseline', 'baseline-tolerance': '20%+0.01',
      'analysis-interval': '2s', 'analysis-duration': '4s'
    })
    await load.stop()
    expect(outcome.result).toBe('rolled-back')
    const failed = outcome.report.steps[0].measurements.find((m) => m.phase === 'failed')
    const value = (side: 'canary' | 'stable'): number => Object.entries(failed?.values ?? {}).find(([k]) => k.startsWith(`${side} ratio(`))?.[1] ?? NaN
    expect(value('canary')).toBeGreaterThan(0.5)
    expect(value('stable')).toBe(0)
    expect(failed?.detail).toMatch(/: canary \S+ vs stable \S+ \(limit \S+\): fail/)
    expect(await exists(companionName(b.service, 'canary'))).toBe(false)
  })

  it('aborts when the query returns nothing (no-data: fail), at the first reading', async () => {
    const b = await bed(1, { proxy: false })
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '50%',
      ...ANALYSIS, 'metrics-query': 'sum(zdd_no_such_metric{service="{{canary}}"})'
    })
    expect(outcome.result).toBe('rolled-back')
    const readings = outcome.report.steps[0].measurements
    expect(readings.map((m) => m.phase)).toEqual(['failed'])
    expect(readings[0].detail).toMatch(/no data/)
  })

  it('with no-data: inconclusive, aborts once the inconclusive readings pass the limit', async () => {
    const b = await bed(1, { proxy: false })
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '50%',
      ...ANALYSIS, 'metrics-query': 'sum(zdd_no_such_metric{service="{{canary}}"})', 'no-data': 'inconclusive', 'inconclusive-limit': '1'
    })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.report.steps[0].measurements.map((m) => m.phase)).toEqual(['inconclusive', 'inconclusive'])
    expect(outcome.reason).toMatch(/metric analysis inconclusive/)
  })

  it('aborts when the metrics endpoint is down, after the consecutive-error limit', async () => {
    const b = await bed(1, { proxy: false })
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '50%',
      'metrics-url': 'http://127.0.0.1:9/metrics', 'success-condition': 'ratio(x_total{code="500"}, x_total) < 0.01',
      'analysis-interval': '1s', 'analysis-duration': '10s'
    })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.report.steps[0].measurements.map((m) => m.phase)).toEqual(['error', 'error', 'error', 'error', 'error'])
    expect(await exists(companionName(b.service, 'canary'))).toBe(false)
  })

  it('removes a companion left over by a killed run before starting, and never runs two', async () => {
    const b = await bed(2, { proxy: false })
    const canary = companionName(b.service, 'canary')
    await createService({ name: canary, image: `${APP_REPO}:v3`, replicas: 1, network: b.network, endpointMode: 'dnsrr', labels: { [COMPANION_OF_LABEL]: b.service } })
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '50%' })
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.log.lines.some((l) => l.startsWith(`warning: Removing ${canary}, left over from an interrupted run`))).toBe(true)
    expect(await exists(canary)).toBe(false)
    expect((await serviceImages(b.service)).every((i) => digestOf(i) === outcome.digest)).toBe(true)
  })

  it('refuses a canary name that belongs to another service, and changes nothing', async () => {
    const b = await bed(1, { proxy: false })
    const canary = companionName(b.service, 'canary')
    await createService({ name: canary, image: `${APP_REPO}:v1`, replicas: 1, network: b.network, endpointMode: 'dnsrr' })
    const before = await inspect(b.service)
    await expect(runDeploy({ image: `${APP_REPO}:v2`, service: b.service, strategy: 'canary', 'canary-steps': '50%' })).rejects.toThrow(
      `A service named '${canary}' already exists and was not made by zero-downtime-deploy for '${b.service}'; the canary needs that name: rename or remove that service`
    )
    expect((await inspect(b.service)).Version?.Index).toBe(before.Version?.Index)
    expect(await exists(canary)).toBe(true)
  })
})

describe('blue-green on Swarm', () => {
  it('gates the full preview, then switches in two waves without a failed request and removes the preview', async () => {
    const b = await bed(2)
    const preview = await startProxy({ service: companionName(b.service, 'preview'), network: b.network, waitReady: false })
    cleanup.add(preview.stop)
    const load = startLoad(`${b.url}/api`, LOAD)
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service: b.service, strategy: 'blue-green', 'preview-url': `${preview.url}/health`,
      'health-url': `${b.url}/health`, 'scale-down-delay': '3s'
    })
    const traffic = await load.stop()
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(traffic.statuses['500'] ?? 0).toBe(0)
    expect(outcome.report.steps.map((s) => s.name)).toEqual([`preview: 2 replica(s) as ${b.service}-preview`, 'switch 1/2', 'switch 2/2', `remove ${b.service}-preview`])
    expect(outcome.report.steps[0].probes.length).toBeGreaterThan(0)
    expect(await exists(companionName(b.service, 'preview'))).toBe(false)
    expect((await serviceImages(b.service)).every((i) => digestOf(i) === outcome.digest)).toBe(true)
    expect({ failed: traffic.failed, statuses: traffic.statuses, errors: traffic.errors }).toEqual({ failed: 0, statuses: { '200': traffic.ok }, errors: {} })
  })

  it('never switches to a preview that fails its gate', async () => {
    const b = await bed(2)
    const before = await inspect(b.service)
    const preview = await startProxy({ service: companionName(b.service, 'preview'), network: b.network, waitReady: false })
    cleanup.add(preview.stop)
    const outcome = await runDeploy({
      image: `${APP_REPO}:bad-gate`, service: b.service, strategy: 'blue-green', 'preview-url': `${preview.url}/health`,
      'health-url': `${b.url}/health`, deadline: '8s'
    })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.report.steps.some((s) => s.name.startsWith('switch'))).toBe(false)
    expect((await inspect(b.service)).Version?.Index).toBe(before.Version?.Index)
    expect(await exists(companionName(b.service, 'preview'))).toBe(false)
    expect(await (await fetch(`${b.url}/version`)).text()).toMatch(/^v1\s*$/)
  })
})
