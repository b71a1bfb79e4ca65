// A companion left by an interrupted run is removed before a new one is made: removeAndWait returns only
// once its containers are gone (its tasks leave the API with the service, so they cannot be waited for).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { MemoryLog } from '../../src/log.js'
import { companionName } from '../../src/targets/companion-spec.js'
import { SwarmApi } from '../../src/targets/swarm-api.js'
import { SwarmCompanion } from '../../src/targets/swarm-companion.js'
import { SwarmTarget } from '../../src/targets/swarm-target.js'
import { APP_REPO, createCleanup, docker, pinImage, serviceOnOwnNetwork, waitForServiceReady } from '../support/testbed.js'

jest.setTimeout(120_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function containersOf(serviceId: string): Promise<string[]> {
  const listed = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`com.docker.swarm.service.id=${serviceId}`] }) })
  return listed.map((c) => `${c.Id.slice(0, 12)} ${c.State}`)
}

describe('SwarmCompanion.removeAndWait', () => {
  it('returns once no container of the removed companion is left', async () => {
    const { service } = await serviceOnOwnNetwork(cleanup, 'comprm', 1)
    const log = new MemoryLog()
    const api = new SwarmApi(docker(), log)
    const stable = new SwarmTarget(api, service, log)
    const canary = new SwarmCompanion(api, stable, service, 'canary', log)
    const capture = await stable.capture()
    await canary.applyStep(capture, { kind: 'batch', index: 1, of: 1, size: 2, newReplicas: 2, total: 2 }, await pinImage(`${APP_REPO}:v2`))
    const name = companionName(service, 'canary')
    await waitForServiceReady(name, 2)
    const { ID } = (await docker().getService(name).inspect()) as Docker.Service
    expect(await containersOf(ID)).toHaveLength(2)

    await canary.removeAndWait()
    expect(await containersOf(ID)).toEqual([])
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual([])
    expect(await api.find(name)).toBeUndefined()
  })
})
