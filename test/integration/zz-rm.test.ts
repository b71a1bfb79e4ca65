import { afterAll, it, jest } from '@jest/globals'
import { createCleanup, createService, docker, sleep, waitFor } from '../support/testbed.js'
import { startBed, nodeImage, waitRouted } from '../support/zero-loss-bed.js'
import { startLoad } from '../support/load.js'
import { describeTraffic } from '../support/zero-loss.js'
jest.setTimeout(600_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())
it('rm vs scale 0', async () => {
  for (const how of (process.env.HOW ?? 'rm,scale').split(',')) {
    const bed = await startBed(cleanup, { platform: 'swarm', from: 'v1', replicas: 2, proxy: { logErrors: true } })
    const canary = `${bed.service}-canary`
    await createService({ name: canary, image: nodeImage((process.env.CANARY ?? 'v2') as 'v2'), replicas: 2, network: bed.network, endpointMode: 'dnsrr' })
    await waitRouted(bed.proxy, 4)
    const load = startLoad(`${bed.proxy.url}/api`, { ratePerSec: 150, keepAlive: 'mixed', concurrency: 24, maxMs: 60_000 })
    await sleep(2000)
    const t0 = Date.now()
    const svc = docker().getService(canary)
    if (how === 'scale') {
      const info = await svc.inspect() as any
      await svc.update({ ...info.Spec, Mode: { Replicated: { Replicas: 0 } }, version: info.Version.Index })
      await waitFor('tasks gone', async () => ((await docker().listTasks({ filters: JSON.stringify({ service: [canary], 'desired-state': ['running'] }) })) as any[]).length === 0 && ((await docker().listContainers({ filters: JSON.stringify({ label: [`com.docker.swarm.service.name=${canary}`] }) })).length === 0), { timeoutMs: 30_000 })
    }
    await svc.remove()
    const t1 = Date.now()
    await sleep(8000)
    const r = await load.stop()
    console.log(`${how}: removal took ${t1 - t0} ms; load rel. t0 ${t0 - (Date.now() - r.durationMs)}\n${describeTraffic(r)}`)
    const logs = await docker().getContainer(bed.proxy.containerId).logs({ stdout: true, stderr: true }) as any
    console.log(logs.toString().split('\n').filter((l: string) => / [A-Za-z-]{4} /.test(l)).slice(0, 15).join('\n'))
    await cleanup.run()
  }
})
