// A plain-host rollout whose process is killed mid-batch (as when a runner dies), after the first batch
// went into service: one old container drained and stopped, one new one serving. The post step, or the
// next run once it takes over the dead run's lock, must bring the service back to one release and leave
// no lock or run record behind.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { cleanUpPlainService, containersLabelled, createBridgeNetwork, ofService, runHandMade, waitHealthy } from '../support/plain-host.js'
import { runAction, startAction } from '../support/runner.js'
import { APP_REPO, createCleanup, uniqueName } from '../support/testbed.js'

jest.setTimeout(240_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function killedMidBatch(): Promise<{ service: string; network: string; oldIds: string[]; state: Record<string, string> }> {
  const service = uniqueName('ppost')
  const network = uniqueName('pnet')
  await createBridgeNetwork(network)
  cleanUpPlainService(cleanup, service, network)
  await runHandMade({ service, network })
  await runHandMade({ service, network })
  const oldIds = (await waitHealthy(service, network, 2)).map((c) => c.id)
  const main = await startAction({ image: `${APP_REPO}:v2`, service, platform: 'docker', 'health-url': 'http://app/health', drain: '1s', monitor: '2m', deadline: '60s' })
  // Batch 1 is in service and watched for two minutes: an old container is stopped, a new one serves.
  await main.printed('  stopped ')
  main.child.kill('SIGKILL')
  const killed = await main.done
  expect(killed.signal).toBe('SIGKILL')
  const half = await ofService(service, network)
  expect(half.map((c) => [oldIds.includes(c.id) ? 'old' : 'new', c.state]).sort()).toEqual([['new', 'running'], ['old', 'exited'], ['old', 'running']])
  return { service, network, oldIds, state: killed.state }
}

const leftovers = async (service: string, network: string): Promise<string[]> => [
  ...(await containersLabelled({ 'zdd.run-of': service }, network)),
  ...(await containersLabelled({ 'zdd.lock-of': service }, network))
].map((c) => c.name)

describe('post step on a plain host', () => {
  it('brings back the very containers that served before, and removes the new one', async () => {
    const { service, network, oldIds, state } = await killedMidBatch()
    const saved = JSON.parse(state['zdd-run'] ?? '{}') as { containers: string[] }
    expect(saved).toMatchObject({ phase: 'started', platform: 'docker', network, alias: service })
    expect(saved.containers.sort()).toEqual([...oldIds].sort())

    const post = await runAction({ image: `${APP_REPO}:v2`, service, platform: 'docker', 'health-url': 'http://app/health', drain: '1s' }, {}, state)
    expect(post.code).toBe(0)
    expect(post.stdout).toContain(`::warning::${service} was left part-way through the rollout`)
    expect(post.stdout).toContain('Post step: recovered')
    const after = await ofService(service, network)
    expect(after.map((c) => [c.id, c.state, c.aliases]).sort()).toEqual(oldIds.map((id) => [id, 'running', [service]]).sort())
    expect(await leftovers(service, network)).toEqual([])
  })

  it('without a post step, the next run takes over the dead run\'s lock, recovers the service and deploys', async () => {
    const { service, network } = await killedMidBatch()
    const next = await runAction({ image: `${APP_REPO}:v3`, service, platform: 'docker', 'health-url': 'http://app/health', drain: '1s', monitor: '1s', 'force-unlock': 'true' })
    expect(next.code).toBe(0)
    expect(next.stdout).toContain(`::warning::Taking over the deploy lock of ${service}: force-unlock is set`)
    expect(next.stdout).toContain(`::warning::A run that held the deploy lock of ${service} stopped mid-rollout`)
    expect(next.outputs.result).toBe('succeeded')
    expect(next.outputs['previous-image']).toMatch(/zdd-fixture-app:v1@sha256:/)
    const after = await ofService(service, network)
    expect(after.map((c) => [c.state, digestOf(c.image), c.aliases])).toEqual([['running', next.outputs.digest, [service]], ['running', next.outputs.digest, [service]]])
    expect(await leftovers(service, network)).toEqual([])
  })
})
