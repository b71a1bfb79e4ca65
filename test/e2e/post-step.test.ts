// The post step's safety net: the action process is killed in the middle of a rollout (as when a
// runner dies), then dist/index.js runs again as the runner runs a post step, with the state the main
// step saved, and must bring the service back to exactly the release it ran before.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { ROLLOUT_LABEL } from '../../src/targets/swarm-specs.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runAction, startAction } from '../support/runner.js'
import { APP_REPO, createCleanup, createNetwork, createService, docker, serviceImages, serviceOnOwnNetwork, uniqueName } from '../support/testbed.js'

jest.setTimeout(240_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

describe('post step', () => {
  it('reverts a rollout whose process was killed mid-batch, and restores the service settings', async () => {
    const service = uniqueName('post')
    const network = uniqueName('postnet')
    await createNetwork(network)
    cleanup.network(network)
    const updateConfig = { Parallelism: 1, Delay: 0, Order: 'stop-first', FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0 }
    cleanup.service(service)
    await createService({ name: service, image: `${APP_REPO}:v1`, replicas: 3, network, endpointMode: 'dnsrr', updateConfig })
    const before = await inspect(service)
    const v1 = digestOf((await serviceImages(service))[0])
    const inputs = { image: `${APP_REPO}:v2`, service, monitor: '2m', deadline: '60s' }

    const main = await startAction(inputs)
    // Batch 1 is in and being watched for two minutes: the service is half-way, held by us.
    await main.printed('→ monitoring')
    main.child.kill('SIGKILL')
    const killed = await main.done
    expect(killed.signal).toBe('SIGKILL')
    expect((await inspect(service)).Spec?.Labels?.[ROLLOUT_LABEL]).toBe('1/3')
    expect(killed.state.isPost).toBe('true')
    expect(JSON.parse(killed.state['zdd-run'] ?? '{}').phase).toBe('started')

    const post = await runAction(inputs, {}, killed.state)
    expect(post.code).toBe(0)
    expect(post.stdout).toContain(`::warning::The rollout of ${service} did not finish`)
    expect(post.stdout).toContain('Post step: recovered')
    const after = await inspect(service)
    expect(after.Spec?.Labels?.[ROLLOUT_LABEL]).toBeUndefined()
    expect(after.Spec?.UpdateConfig).toEqual(before.Spec?.UpdateConfig)
    const images = await serviceImages(service)
    expect(images).toHaveLength(3)
    expect(images.every((i) => digestOf(i) === v1)).toBe(true)
  })

  it('without a post step, the next run takes over the dead run\'s lock, recovers the service and deploys', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'post', 2)
    const main = await startAction({ image: `${APP_REPO}:v2`, service, monitor: '2m', deadline: '60s' })
    await main.printed('→ monitoring')
    main.child.kill('SIGKILL')
    await main.done
    expect((await inspect(service)).Spec?.Labels?.[ROLLOUT_LABEL]).toBe('1/2')

    // The dead run's lock would go stale in 90 s; force-unlock says we know it is dead.
    const next = await runAction({ image: `${APP_REPO}:v3`, service, monitor: '1s', 'force-unlock': 'true' })
    expect(next.code).toBe(0)
    expect(next.stdout).toContain(`::warning::Taking over the deploy lock of ${service}: force-unlock is set`)
    expect(next.stdout).toContain(`::warning::A run that held the deploy lock of ${service} stopped mid-rollout`)
    expect(next.outputs.result).toBe('succeeded')
    expect(next.outputs['previous-image']).toMatch(/zdd-fixture-app:v1@sha256:/)
    const images = await serviceImages(service)
    expect(images).toHaveLength(2)
    expect(images.every((i) => digestOf(i) === next.outputs.digest)).toBe(true)
    const after = await inspect(service)
    expect(after.Spec?.Labels?.[ROLLOUT_LABEL]).toBeUndefined()
    const leftovers = (await docker().listConfigs()).filter((c) => (c.Spec?.Labels ?? {})['zdd.run-of'] === service || c.Spec?.Name === `zdd-lock-${service}`)
    expect(leftovers).toEqual([])
  })

  it('does nothing after a run that reached its own end', async () => {
    const post = await runAction({ image: `${APP_REPO}:v2`, service: 'zdd-no-such-service' }, {}, {
      isPost: 'true',
      'zdd-run': JSON.stringify({ phase: 'finished', service: 'zdd-no-such-service', previous: 'x', release: 'y', spec: {} })
    })
    expect(post.code).toBe(0)
    expect(post.stdout).not.toContain('::warning::')
    expect(post.stdout).not.toContain('::error::')
  })
})
