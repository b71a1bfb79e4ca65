// The deploy lock on a real service: two runs at once, a holder that never lets go, a stale lock.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { MemoryLog } from '../../src/log.js'
import { SwarmApi } from '../../src/targets/swarm-api.js'
import { parseLockLabel } from '../../src/rollout/lock-decision.js'
import { realClock } from '../../src/rollout/clock.js'
import { lockName, LOCK_OF_LABEL, LOCK_RECORD_LABEL, SwarmLock } from '../../src/targets/swarm-lock.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runDeploy } from '../support/deploy-harness.js'
import { APP_REPO, createCleanup, docker, serviceImages, serviceOnOwnNetwork, sleep, uniqueName } from '../support/testbed.js'

jest.setTimeout(240_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function inspect(name: string): Promise<Docker.Service> {
  return (await docker().getService(name).inspect()) as Docker.Service
}

const api = new SwarmApi(docker(), new MemoryLog())

/** Takes the service's deploy lock as another run would. */
async function lockAs(service: string, owner: string, expires: Date): Promise<void> {
  const record = { owner, token: 'someone-else', at: new Date().toISOString(), expires: expires.toISOString() }
  expect(await api.createConfig(lockName(service), { [LOCK_OF_LABEL]: service, [LOCK_RECORD_LABEL]: JSON.stringify(record) }, 'held by a test\n')).toBe(true)
  cleanup.add(async () => {
    const left = await api.findConfig(lockName(service))
    if (left) await api.removeConfig(left.ID)
  })
}

const unlocked = async (service: string): Promise<boolean> => (await api.findConfig(lockName(service))) === undefined

describe('deploy lock', () => {
  it('lets one of two runs started at once go first; the other waits, then both end consistent', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'lock', 2)
    const [a, b] = await Promise.all([
      runDeploy({ image: `${APP_REPO}:v2`, service, monitor: '3s' }),
      runDeploy({ image: `${APP_REPO}:v3`, service, monitor: '3s' })
    ])
    expect([a.reason ?? a.result, b.reason ?? b.result]).toEqual(['succeeded', 'succeeded'])
    const waited = [a, b].filter((r) => r.log.lines.some((l) => l.startsWith('Waiting for ') && l.includes(`to finish its rollout of ${service}`)))
    expect(waited).toHaveLength(1)
    // The one that waited went second: the service runs its release, all of it, and nobody holds the lock.
    const images = await serviceImages(service)
    expect(images.every((i) => digestOf(i) === waited[0].digest)).toBe(true)
    expect(await unlocked(service)).toBe(true)
    expect((await inspect(service)).UpdateStatus?.State).not.toBe('updating')
  })

  it('gives up after lock-timeout, naming the holder, and changes nothing', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'lock', 1)
    await lockAs(service, 'acme/api run 41 by ana', new Date(Date.now() + 3_600_000))
    const before = await inspect(service)
    await expect(runDeploy({ image: `${APP_REPO}:v2`, service, 'lock-timeout': '3s' })).rejects.toThrow(
      new RegExp(`^Service '${service}' is locked by acme/api run 41 by ana since \\S+ \\(another rollout is running\\); waited 3s \\(lock-timeout\\)`)
    )
    expect((await inspect(service)).Version?.Index).toBe(before.Version?.Index)
  })

  it('takes over a stale lock with a warning, and force-unlock takes a live one', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'lock', 1)
    await lockAs(service, 'a runner that died', new Date(Date.now() - 1000))
    const stale = await runDeploy({ image: `${APP_REPO}:v2`, service })
    expect(stale.reason ?? stale.result).toBe('succeeded')
    expect(stale.log.lines.some((l) => l.startsWith(`warning: Taking over the deploy lock of ${service}: it was held by a runner that died`))).toBe(true)

    await lockAs(service, 'a runner we know is gone', new Date(Date.now() + 3_600_000))
    const forced = await runDeploy({ image: `${APP_REPO}:v3`, service, 'force-unlock': 'true' })
    expect(forced.reason ?? forced.result).toBe('succeeded')
    expect(await unlocked(service)).toBe(true)
  })

  it('records when the lock was taken, not when the run began to wait for it', async () => {
    // The lock is a Swarm config named after the service: no service is needed to hold it.
    const service = uniqueName('lock-at')
    await lockAs(service, 'a run about to finish', new Date(Date.now() + 3_600_000))
    const lock = new SwarmLock(api, service, realClock, new MemoryLog())
    cleanup.add(() => lock.release())
    const waiting = lock.acquire({ owner: 'the run that waited', timeoutMs: 30_000, force: false })
    await sleep(2500)
    const releasedAt = Date.now()
    const held = await api.findConfig(lockName(service))
    if (held) await api.removeConfig(held.ID)
    expect(await waiting).toBe(false)
    const record = parseLockLabel((await api.findConfig(lockName(service)))?.Spec?.Labels?.[LOCK_RECORD_LABEL])
    expect(record?.owner).toBe('the run that waited')
    expect(Date.parse(record?.at ?? '')).toBeGreaterThanOrEqual(releasedAt)
  })
})
