import { afterAll, it, jest } from '@jest/globals'
import { createCleanup, docker, sleep } from '../support/testbed.js'
import { describeTraffic, runScenario, type Scenario } from '../support/zero-loss.js'
jest.setTimeout(900_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())
// Drains (pre-stop) the old task of every slot where a new task appears, while a native start-first update runs.
async function watch(service: () => string | undefined, stop: () => boolean, log: string[]) {
  const drained = new Set<string>()
  const t0 = Date.now()
  while (!stop()) {
    const name = service()
    if (name) {
      const tasks = (await docker().listTasks({ filters: JSON.stringify({ service: [name] }) })) as any[]
      const newest = (slot: number) => tasks.filter((t) => t.Slot === slot)
      const slots = new Set(tasks.map((t) => t.Slot))
      for (const slot of slots) {
        const inSlot = newest(slot as number)
        const images = new Set(inSlot.filter((t) => t.DesiredState === 'running').map((t) => t.Spec.ContainerSpec.Image))
        if (images.size < 2) continue
        const newImage = inSlot.sort((a, b) => Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt))[0].Spec.ContainerSpec.Image
        for (const old of inSlot.filter((t) => t.Spec.ContainerSpec.Image !== newImage && t.Status.State === 'running' && !drained.has(t.ID))) {
          drained.add(old.ID)
          const c = docker().getContainer(old.Status.ContainerStatus.ContainerID)
          const exec = await c.exec({ Cmd: ['/usr/bin/node', '/app/ctl.js', 'drain'] })
          await exec.start({ Detach: true } as any)
          log.push(`${Date.now() - t0}ms drained slot ${slot} task ${old.ID.slice(0, 8)}`)
        }
      }
    }
    await sleep(200)
  }
}
it('prestop', async () => {
  const base: Omit<Scenario, 'rollout'> = { platform: 'swarm', from: (process.env.FROM ?? 'v1') as 'v1', to: (process.env.TO ?? 'v2') as 'v2', proxy: JSON.parse(process.env.PROXY ?? '{}'), load: JSON.parse(process.env.LOAD ?? '{"ratePerSec":150,"keepAlive":"mixed"}') }
  let name: string | undefined
  let done = false
  const log: string[] = []
  const orig = docker().createService.bind(docker())
  ;(docker() as any).createService = async (...a: any[]) => { const r = await (orig as any)(...a); name = (a[1] ?? a[0]).Name; return r }
  const w = process.env.WATCH ? watch(() => name, () => done, log) : Promise.resolve()
  const r = await runScenario(cleanup, { ...base, rollout: { by: 'native', order: 'start-first' } })
  done = true
  await w
  console.log(`${process.env.WATCH ? 'with' : 'without'} pre-stop: ${r.result} ${r.rolloutMs}ms\n${describeTraffic(r.traffic)}\n${log.join('\n')}`)
})
