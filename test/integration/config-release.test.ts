// Config-only releases on the local Swarm: an env change (a feature toggle) rolled out with no new
// image, through the same gates and revert as an image; the release is told apart by its identity
// label, since old and new replicas share one digest.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { RELEASE_LABEL } from '../../src/release/release-ref.js'
import { companionName } from '../../src/targets/companion-spec.js'
import { PREVIOUS_CONFIG_LABEL } from '../../src/targets/release-labels.js'
import { runDeploy } from '../support/deploy-harness.js'
import { startLoad } from '../support/load.js'
import { startProxy } from '../support/proxy.js'
import { createCleanup, docker, serviceOnOwnNetwork, serviceTasks } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

function container(service: Docker.Service): Docker.ContainerSpec {
  return (service.Spec?.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec ?? {}
}

/** Env of the tasks that run now. */
async function runningEnv(service: string): Promise<string[][]> {
  const tasks = (await serviceTasks(service, 'running')).filter((t) => t.Status?.State === 'running')
  return tasks.map((t) => (t.Spec?.ContainerSpec as Docker.ContainerSpec | undefined)?.Env ?? [])
}

let shared: Promise<string> | undefined
/** One single-replica service for the rolling tests (CI time); each compares only with what it found. */
function rollingBed(): Promise<string> {
  shared ??= serviceOnOwnNetwork(cleanup, 'toggle', 1).then((bed) => bed.service)
  return shared
}

describe('config-only releases on Swarm', () => {
  it('reverts a canary of a toggle that raises the error ratio; the service and its env stay as they were', async () => {
    const { service, network } = await serviceOnOwnNetwork(cleanup, 'toggle', 1)
    const proxy = await startProxy({ service, network })
    cleanup.add(proxy.stop)
    const before = await inspect(service)
    const load = startLoad(`${proxy.url}/api`, { concurrency: 2, pauseMs: 20, maxMs: 120_000 })
    const condition = 'ratio(haproxy_server_http_responses_total{proxy="app",server=~"{{canary}}[0-9]+",code="5xx"}, haproxy_server_http_responses_total{proxy="app",server=~"{{canary}}[0-9]+"}) < 0.05'
    const outcome = await runDeploy({
      image: '', service, env: 'ZDD_FIXTURE_ERRORS=1', strategy: 'canary', 'canary-steps': '50%', 'health-url': `${proxy.url}/health`,
      'metrics-url': `${proxy.statsUrl}/metrics`, 'success-condition': condition, 'analysis-interval': '2s', 'analysis-duration': '4s',
      'post-deploy': 'echo never'
    })
    await load.stop()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Canary 1\/1: .*metric analysis failed/)
    expect(outcome.report.config?.env).toEqual({ added: [{ key: 'ZDD_FIXTURE_ERRORS', value: '1' }], changed: [], removed: [] })
    const failed = outcome.report.steps[0].measurements.find((m) => m.phase === 'failed')
    expect(Object.values(failed?.values ?? {})[0]).toBeGreaterThan(0.5)
    expect(outcome.report.jobs).toEqual({ 'post-deploy': 'skipped' })
    // Same image, same digest, and the stable service was never touched.
    expect(outcome.image).toBe(outcome.previousImage?.replace(/:v1@/, '@'))
    const after = await inspect(service)
    expect(after.Version?.Index).toBe(before.Version?.Index)
    expect(container(after).Env).toEqual(container(before).Env)
    expect((await runningEnv(service)).every((env) => !env.includes('ZDD_FIXTURE_ERRORS=1'))).toBe(true)
    await expect(inspect(companionName(service, 'canary'))).rejects.toThrow()
  })

  it('reverts a rolling config-only release whose replicas never get healthy, and puts the env back', async () => {
    const service = await rollingBed()
    const before = await inspect(service)
    // The fixture drops its /health file with this in its env: the Docker health check fails.
    const outcome = await runDeploy({ service, env: 'ZDD_FIXTURE_HEALTH=fail', deadline: '8s', 'post-deploy': 'echo never' })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.report.steps.map((s) => `${s.name}: ${s.outcome}`)).toEqual(['batch 1/1: failed', 'revert: converged'])
    expect(outcome.report.jobs).toEqual({ 'post-deploy': 'skipped' })
    const after = await inspect(service)
    expect(container(after).Env).toEqual(container(before).Env)
    expect(container(after).Labels).toEqual(container(before).Labels)
    expect(container(after).Image).toBe(container(before).Image)
    expect(await runningEnv(service)).toEqual([container(before).Env ?? []])
  })

  it('rolls out a toggle with no new image, then operation rollback takes it back', async () => {
    const service = await rollingBed()
    const before = await inspect(service)
    const on = await runDeploy({ service, env: 'FEATURE_CHECKOUT_V2=on\nAPI_TOKEN=tok-123456', labels: 'com.example.toggle=checkout-v2' })
    expect(on.reason ?? on.result).toBe('succeeded')
    expect(on.report.steps.map((s) => s.name)).toEqual(['batch 1/1'])
    expect(on.report.config).toEqual({
      env: { added: [{ key: 'FEATURE_CHECKOUT_V2', value: 'on' }, { key: 'API_TOKEN', value: '***' }], changed: [], removed: [] },
      labels: { added: [{ key: 'com.example.toggle', value: 'checkout-v2' }], changed: [], removed: [] }
    })
    const toggled = await inspect(service)
    expect(container(toggled).Image).toBe(container(before).Image)
    expect(container(toggled).Env).toEqual([...(container(before).Env ?? []), 'FEATURE_CHECKOUT_V2=on', 'API_TOKEN=tok-123456'])
    expect(container(toggled).Labels?.['com.example.toggle']).toBe('checkout-v2')
    expect(container(toggled).Labels?.[RELEASE_LABEL]).toMatch(/^[0-9a-f]{12}$/)
    expect(toggled.Spec?.Labels?.[PREVIOUS_CONFIG_LABEL]).toBe(JSON.stringify({ env: [{ key: 'FEATURE_CHECKOUT_V2' }, { key: 'API_TOKEN' }], labels: [{ key: 'com.example.toggle' }] }))
    expect((await runningEnv(service)).every((env) => env.includes('FEATURE_CHECKOUT_V2=on'))).toBe(true)

    const back = await runDeploy({ operation: 'rollback', image: '', service })
    expect(back.reason ?? back.result).toBe('succeeded')
    const after = await inspect(service)
    expect(container(after).Image).toBe(container(before).Image)
    expect(container(after).Env).toEqual(container(before).Env)
    expect(container(after).Labels?.['com.example.toggle']).toBeUndefined()
    expect((await runningEnv(service)).every((env) => !env.includes('FEATURE_CHECKOUT_V2=on'))).toBe(true)
  })
})
