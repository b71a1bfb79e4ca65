// A companion left by an interrupted run is removed before a new one is made: removeAndWait returns only
// once its containers are gone (its tasks leave the API with the service, so they cannot be waited for).
// A canary that served is removed after pre-stop ran in each of its tasks and drain was waited; a failed
// one (restore) goes at once.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { MemoryLog } from '../../src/log.js'
import { realClock } from '../../src/rollout/clock.js'
import { companionName } from '../../src/targets/companion-spec.js'
import { SwarmApi } from '../../src/targets/swarm-api.js'
import { SwarmCompanion, type CompanionDrain } from '../../src/targets/swarm-companion.js'
import { SwarmPreStop } from '../../src/targets/swarm-pre-stop.js'
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

interface EngineEvent { Type: string; Action: string; Actor: { ID: string; Attributes?: Record<string, string> }; timeNano: number }

/** The engine's events between two times (ms), as recorded by dockerd. */
async function eventsBetween(sinceMs: number, untilMs: number): Promise<EngineEvent[]> {
  const stream = (await docker().getEvents({ since: Math.floor(sinceMs / 1000), until: Math.ceil(untilMs / 1000) + 1 })) as unknown as NodeJS.ReadableStream
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EngineEvent)
}

describe('SwarmCompanion.remove with pre-stop', () => {
  const PRE_STOP = ['/bin/sh', '-c', 'echo zdd-drained']
  const DRAIN_MS = 2_000

  async function canaryOf(label: string, drain: (log: MemoryLog) => CompanionDrain) {
    const { service } = await serviceOnOwnNetwork(cleanup, label, 1)
    const log = new MemoryLog()
    const api = new SwarmApi(docker(), log)
    const stable = new SwarmTarget(api, service, log)
    const canary = new SwarmCompanion(api, stable, service, 'canary', log, drain(log))
    await canary.applyStep(await stable.capture(), { kind: 'batch', index: 1, of: 1, size: 2, newReplicas: 2, total: 2 }, await pinImage(`${APP_REPO}:v2`))
    const name = companionName(service, 'canary')
    await waitForServiceReady(name, 2)
    const { ID } = (await docker().getService(name).inspect()) as Docker.Service
    const containers = (await docker().listContainers({ filters: JSON.stringify({ label: [`com.docker.swarm.service.id=${ID}`] }) })).map((c) => c.Id)
    expect(containers).toHaveLength(2)
    return { canary, name, containers, log }
  }
  const drainWith = (log: MemoryLog): CompanionDrain => ({ preStop: new SwarmPreStop(docker(), PRE_STOP, log), drainMs: DRAIN_MS, clock: realClock })

  it('runs pre-stop in each task of a canary that served, waits drain, then removes it', async () => {
    const { canary, name, containers, log } = await canaryOf('compdrain', drainWith)
    const started = Date.now()
    await canary.remove()
    const events = await eventsBetween(started, Date.now())

    const removed = events.find((e) => e.Type === 'service' && e.Action === 'remove' && e.Actor.Attributes?.name === name)
    expect(removed).toBeDefined()
    const preStops = events.filter((e) => e.Type === 'container' && e.Action === `exec_start: ${PRE_STOP.join(' ')}`)
    expect(preStops.map((e) => e.Actor.ID).sort()).toEqual([...containers].sort())
    // drain is waited after the last pre-stop, before the removal.
    const lastPreStop = Math.max(...preStops.map((e) => e.timeNano))
    expect((removed!.timeNano - lastPreStop) / 1e6).toBeGreaterThanOrEqual(DRAIN_MS - 100)
    expect(log.lines).toContain(`pre-stop in the 2 task(s) of ${name}, then 2s of drain before it is removed`)
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual([])
  })

  it('removes a failed canary (restore) at once, without pre-stop or drain', async () => {
    const { canary, name } = await canaryOf('compfail', drainWith)
    const started = Date.now()
    await canary.restore()
    const events = await eventsBetween(started, Date.now())
    expect(events.find((e) => e.Type === 'service' && e.Action === 'remove' && e.Actor.Attributes?.name === name)).toBeDefined()
    expect(events.filter((e) => e.Action.startsWith(`exec_start: ${PRE_STOP.join(' ')}`))).toEqual([])
  })
})
