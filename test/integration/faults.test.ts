// Faults that happen in real deploys, each ending with the service on exactly one known release and
// the report saying what happened: the registry down during the push, down when the tasks pull, and
// a health endpoint that hangs (the probe's timeout must be honoured).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runDeploy } from '../support/deploy-harness.js'
import { closedPort, withServer } from '../support/sockets.js'
import { APP_CONTEXT, APP_REPO, createCleanup, docker, serviceImages, serviceOnOwnNetwork } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

describe('faults', () => {
  it('a registry that is down during the push fails the run before the service is touched', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'fault', 1)
    const before = await inspect(service)
    const down = `127.0.0.1:${await closedPort()}`
    cleanup.add(() => docker().getImage(`${down}/zdd-fault-app:t1`).remove({ force: true }).catch(() => undefined))
    await expect(runDeploy({ image: `${down}/zdd-fault-app:t1`, context: APP_CONTEXT, service })).rejects.toThrow(/127\.0\.0\.1:\d+/)
    expect((await inspect(service)).Version?.Index).toBe(before.Version?.Index)
  })

  it('a release the tasks cannot pull (its registry is down) is reverted, and the report says why', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'fault', 2)
    const v1 = digestOf((await serviceImages(service))[0])
    const v2 = await digestOfTag('v2')
    const down = `127.0.0.1:${await closedPort()}`
    const outcome = await runDeploy({ image: `${down}/zdd-fixture-app@${v2}`, service, deadline: '20s' })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Batch 1\/2: /)
    const images = await serviceImages(service)
    expect(images).toHaveLength(2)
    expect(images.every((i) => digestOf(i) === v1)).toBe(true)
  })

  it('a health endpoint that never answers fails the gate within its timeout and is reverted', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'fault', 1)
    const v1 = digestOf((await serviceImages(service))[0])
    // The probe goes to a socket that accepts and never answers, as a hung endpoint does.
    await withServer(async (port) => {
      const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service, 'health-url': `http://127.0.0.1:${port}/health`, 'health-timeout': '1s', deadline: '6s' })
      expect(outcome.result).toBe('rolled-back')
      const probes = outcome.report.steps[0].probes
      expect(probes.length).toBeGreaterThan(0)
      expect(probes.every((p) => !p.ok && p.durationMs < 2500)).toBe(true)
      expect(probes[0].detail).toMatch(/^no reply within 1000 ms after \d+ ms$/)
    })
    expect((await serviceImages(service)).every((i) => digestOf(i) === v1)).toBe(true)
  })
})

/** The digest the test bed's registry holds for a fixture tag. */
async function digestOfTag(tag: string): Promise<string> {
  const info = (await docker().getImage(`${APP_REPO}:${tag}`).inspect()) as { RepoDigests?: string[] }
  const pinned = (info.RepoDigests ?? []).find((d) => d.startsWith(`${APP_REPO}@`))
  if (!pinned) throw new Error(`${APP_REPO}:${tag} has no repo digest on this engine`)
  return pinned.slice(pinned.indexOf('@') + 1)
}
