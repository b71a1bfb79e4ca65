import { afterAll, it, jest } from '@jest/globals'
import { createCleanup } from '../support/testbed.js'
import { describeTraffic, runScenario, type Scenario } from '../support/zero-loss.js'
jest.setTimeout(900_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())
const which = (process.env.EXP ?? 'ours').split(',')
const base: Omit<Scenario, 'rollout'> = { platform: 'swarm', from: (process.env.FROM ?? 'v1') as 'v1', to: (process.env.TO ?? 'v2') as 'v2', proxy: JSON.parse(process.env.PROXY ?? '{}'), load: JSON.parse(process.env.LOAD ?? '{"ratePerSec":150,"keepAlive":"mixed"}'), ...(process.env.GRACE ? { stopGracePeriodMs: Number(process.env.GRACE) } : {}) }
it(which.join(' '), async () => {
  await Promise.all(which.map(async (w) => {
    const rollout = w === 'ours' ? { by: 'ours' as const, strategy: (process.env.STRATEGY ?? 'rolling') as 'rolling' } : { by: 'native' as const, order: w as 'stop-first' }
    const r = await runScenario(cleanup, { ...base, rollout })
    console.log(`${w}: ${r.result} ${r.reason ?? ''} rollout ${r.rolloutMs} ms revertDelay ${r.revertDelayMs}\n${describeTraffic(r.traffic)}`)
    if (process.env.SHOWLOG) console.log(r.log)
  }))
})
