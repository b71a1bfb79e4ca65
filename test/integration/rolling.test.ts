// Real rollouts on the local Swarm: good releases, broken ones that must be reverted, and runs that
// must change nothing. Every service sits behind the test bed's HAProxy, which the health gate probes.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { runDeploy } from '../support/deploy-harness.js'
import { APP_REPO, createCleanup, createNetwork, createService, docker, serviceImages, uniqueName } from '../support/testbed.js'
import { startProxy } from '../support/proxy.js'
import { ROLLOUT_LABEL } from '../../src/targets/swarm-specs.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'

jest.setTimeout(180_000)

interface Bed {
  service: string
  url: string
}

async function bed(endpointMode: 'vip' | 'dnsrr', image = `${APP_REPO}:v1`, replicas = 3, withProxy = true): Promise<Bed> {
  const service = uniqueName('roll')
  const network = uniqueName('net')
  await createNetwork(network)
  cleanup.network(network)
  // Registered before it exists: a service that never gets ready must still go, or its network cannot.
  cleanup.service(service)
  await createService({
    name: service, image, replicas, network, endpointMode,
    updateConfig: { Parallelism: 1, Delay: 0, Order: 'stop-first', FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0 }
  })
  if (!withProxy) return { service, url: '' }
  const proxy = await startProxy({ service, network })
  cleanup.proxy(proxy)
  return { service, url: proxy.url }
}

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

const specImage = (s: Docker.Service): string => (s.Spec?.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Image ?? ''

// Only what this file made is removed: other files may run on the same daemon at the same time.
const cleanup = createCleanup()
afterAll(() => cleanup.run())

describe('rolling update on Swarm', () => {
  it('rolls a healthy release out batch by batch (dnsrr) and leaves the service settings as they were', async () => {
    const b = await bed('dnsrr')
    const before = await inspect(b.service)
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service: b.service, 'health-url': `${b.url}/health` })

    expect(outcome.result).toBe('succeeded')
    expect(outcome.image).toMatch(new RegExp(`^${APP_REPO.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`))
    expect(outcome.previousImage).toBe(specImage(before))
    const after = await inspect(b.service)
    expect(specImage(after)).toBe(`${APP_REPO}:v2@${outcome.digest}`)
    expect(after.Spec?.UpdateConfig).toEqual(before.Spec?.UpdateConfig)
    expect(after.Spec?.Labels?.[ROLLOUT_LABEL]).toBeUndefined()
    const images = await serviceImages(b.service)
    expect(images).toHaveLength(3)
    for (const image of images) expect(digestOf(image)).toBe(outcome.digest)
    expect(await (await fetch(`${b.url}/version`)).text()).toMatch(/^v2\s*$/)

    // The fixture's health check (interval 1s, timeout 4s, retries 3) can take 15s to fail: more than monitor.
    expect(outcome.report.warnings).toEqual([expect.stringMatching(/^monitor is 2s, but the health check can take up to 15s to call a replica unhealthy/)])
    const steps = outcome.report.steps
    expect(steps.map((s) => [s.name, s.outcome])).toEqual([['batch 1/3', 'passed'], ['batch 2/3', 'passed'], ['batch 3/3', 'passed']])
    for (const step of steps) expect(step.probes.filter((p) => p.ok).length).toBeGreaterThanOrEqual(2)
  })

  it('rolls out a VIP-mode service in batches of two', async () => {
    const b = await bed('vip')
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service: b.service, 'batch-size': '2', 'health-url': `${b.url}/health`, monitor: '1s' })
    expect(outcome.result).toBe('succeeded')
    const plan = outcome.report.plan
    expect(plan?.strategy === 'rolling' ? plan.steps.map((s) => s.newReplicas) : plan).toEqual([2, 3])
    for (const image of await serviceImages(b.service)) expect(digestOf(image)).toBe(outcome.digest)
  })

  it('reverts a release whose Docker health check never passes', async () => {
    const b = await bed('dnsrr')
    const before = await inspect(b.service)
    const outcome = await runDeploy({ image: `${APP_REPO}:bad-health`, service: b.service, 'health-url': `${b.url}/health` })

    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Batch 1\/3: /)
    const after = await inspect(b.service)
    expect(specImage(after)).toBe(specImage(before))
    expect(after.Spec?.UpdateConfig).toEqual(before.Spec?.UpdateConfig)
    expect(after.Spec?.Labels?.[ROLLOUT_LABEL]).toBeUndefined()
    const images = await serviceImages(b.service)
    expect(images).toHaveLength(3)
    for (const image of images) expect(image).toBe(specImage(before))
    expect(outcome.report.steps.at(-1)).toMatchObject({ name: 'revert', outcome: 'converged' })
    expect(await (await fetch(`${b.url}/version`)).text()).toMatch(/^v1\s*$/)
  })

  it('reverts a release that is healthy to Docker but fails the HTTP health gate', async () => {
    const b = await bed('dnsrr')
    const before = await inspect(b.service)
    const outcome = await runDeploy({ image: `${APP_REPO}:bad-gate`, service: b.service, 'health-url': `${b.url}/health`, monitor: '4s' })

    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Batch 1\/3: (health gate failed while monitoring|deadline: the health gate had)/)
    expect(outcome.reason).toContain('404')
    const failedProbes = outcome.report.steps[0].probes.filter((p) => !p.ok)
    expect(failedProbes.length).toBeGreaterThan(0)
    expect(failedProbes[0].status).toBe(404)
    for (const image of await serviceImages(b.service)) expect(image).toBe(specImage(before))
  })

  it('reverts a release whose container exits at start, and reports why', async () => {
    const b = await bed('dnsrr')
    const before = await inspect(b.service)
    const outcome = await runDeploy({ image: `${APP_REPO}:crash`, service: b.service, 'health-url': `${b.url}/health` })

    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Batch 1\/3: (1|2) replica\(s\) of the new release failed: slot \d+ failed \(exit 1\)/)
    for (const image of await serviceImages(b.service)) expect(image).toBe(specImage(before))
  })

  it('rolls out a service that publishes a host-mode port, stopping each old task first', async () => {
    const service = uniqueName('host')
    const network = uniqueName('net')
    const port = 20000 + Math.floor(Math.random() * 9000)
    await createNetwork(network)
    cleanup.network(network)
    cleanup.service(service)
    await createService({ name: service, image: `${APP_REPO}:v1`, replicas: 1, network, endpointMode: 'dnsrr', ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: port, PublishMode: 'host' }] })
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service, 'health-url': `http://127.0.0.1:${port}/health`, monitor: '1s' })
    expect(outcome.result).toBe('succeeded')
    expect(outcome.report.target?.facts['rollout order']).toBe('stop-first')
    expect(outcome.log.lines.some((l) => l.startsWith(`warning: Service '${service}' publishes port ${port} in host mode`))).toBe(true)
    expect(await (await fetch(`http://127.0.0.1:${port}/version`)).text()).toMatch(/^v2\s*$/)
  })

  it('leaves a failed rollout as it is when auto-rollback is off', async () => {
    const b = await bed('dnsrr', `${APP_REPO}:v1`, 3, false)
    const outcome = await runDeploy({ image: `${APP_REPO}:crash`, service: b.service, 'auto-rollback': 'false' })
    expect(outcome.result).toBe('failed')
    expect(outcome.report.steps.map((s) => s.name)).toEqual(['batch 1/3'])
    expect((await inspect(b.service)).Spec?.Labels?.[ROLLOUT_LABEL]).toBe('1/3')
  })
})

describe('runs that must change nothing', () => {
  it('dry-run prints the plan and leaves the service alone', async () => {
    const b = await bed('dnsrr', `${APP_REPO}:v1`, 3, false)
    const before = await inspect(b.service)
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service: b.service, 'dry-run': 'true', 'batch-size': '2' })
    expect(outcome.result).toBe('planned')
    expect(outcome.log.lines).toContain('Rolling update of ' + b.service + ': 3 replica(s) in 2 batch(es) of up to 2')
    const after = await inspect(b.service)
    expect(after.Version?.Index).toBe(before.Version?.Index)
  })

  it('a service that does not exist is a bad input', async () => {
    await expect(runDeploy({ image: `${APP_REPO}:v2`, service: 'zdd-no-such-service' })).rejects.toThrow(
      "Invalid input 'service': \"zdd-no-such-service\". Expected the name of a Swarm service, or of containers labelled zdd.service=zdd-no-such-service on this Docker host; for their first deploy, set network."
    )
  })

  it('a bad batch size is refused before the service is touched', async () => {
    // No proxy needed: the run must stop before any probe or change.
    const service = uniqueName('roll')
    const network = uniqueName('net')
    await createNetwork(network)
    cleanup.network(network)
    cleanup.service(service)
    // Refused while parsing the inputs: the service need not be up, only to exist.
    await createService({ name: service, image: `${APP_REPO}:v1`, replicas: 1, network, endpointMode: 'dnsrr', wait: false })
    const before = await inspect(service)
    await expect(runDeploy({ image: `${APP_REPO}:v2`, service, 'batch-size': '150%' })).rejects.toThrow(/^Invalid input 'batch-size': "150%"\./)
    expect((await inspect(service)).Version?.Index).toBe(before.Version?.Index)
  })
})
