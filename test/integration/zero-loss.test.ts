// Zero-loss proof: a steady bounded load (>= 2 000 requests per scenario, on loopback) through a real
// HAProxy in front of a 3-replica workload of the fixture node app, while the built action (dist/index.js)
// rolls it out; every non-2xx answer and every connection error counts as failed.
// - Each strategy with a good release, and a broken release reverted, on each platform: 0 failed.
// - The hard cases on Swarm (app that exits at once on SIGTERM, 1–2 s requests in flight, a proxy whose
//   DNS view lags 5 s, keep-alive clients and proxy; the proxy does not retry), each beside Swarm's own
//   `docker service update` on a twin workload at the same time: never more failed than it. Ours runs
//   with the fixture's pre-stop (its health check fails, so the proxy lets the old replica go first).
// - On plain Docker hosts (platform: docker) all hard cases at once: 0 failed.
// The full matrix, with timings, is `npm run bench` (docs/benchmarks.md).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { createCleanup } from '../support/testbed.js'
import { PRE_STOP_INPUTS, describeTraffic, runScenario, type LoadShape, type Scenario, type ScenarioResult } from '../support/zero-loss.js'

// The whole file has a budget of 6 minutes in CI.
jest.setTimeout(360_000)
const cleanups: Array<ReturnType<typeof createCleanup>> = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup.run().catch(() => undefined)
})

// Scenarios run side by side, a few at a time: most of a rollout is waiting, and the file must stay short.
const PARALLEL = Number(process.env.ZDD_ZERO_LOSS_PARALLEL ?? 3)
let running = 0
const queue: Array<() => void> = []
async function scenario(s: Scenario): Promise<ScenarioResult> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => queue.push(resolve))
  running++
  const cleanup = createCleanup()
  cleanups.push(cleanup)
  try {
    return await runScenario(cleanup, s)
  } finally {
    // The next scenario may start while this one's service and network go (mostly waiting).
    running--
    queue.shift()?.()
    await cleanup.run().catch(() => undefined)
  }
}

const LOAD: LoadShape = { ratePerSec: 150, keepAlive: 'mixed' }
/** At least `min` requests, none failed (else the breakdown: statuses, errors, kinds, first failures). */
function expectNoneFailed(r: ScenarioResult, min = 2_000): void {
  expect(r.traffic.total).toBeGreaterThanOrEqual(min)
  expect(describeTraffic(r.traffic)).toMatch(/^0 failed of /)
}

/** The action's result (else its reason and the end of its log). */
function expectResult(r: ScenarioResult, result: string): void {
  if (r.result !== result) throw new Error(`result ${r.result}, expected ${result}: ${r.reason}\n${(r.log ?? '').split('\n').slice(-60).join('\n')}`)
}

for (const platform of ['swarm', 'docker'] as const) {
  describe(`zero loss on ${platform}`, () => {
    for (const strategy of ['rolling', 'canary', 'blue-green'] as const) {
      it.concurrent(`${strategy}: a good release, well-behaved app, 0 failed requests`, async () => {
        const r = await scenario({ platform, rollout: { by: 'ours', strategy }, from: 'v1', to: 'v2', proxy: {}, load: LOAD })
        expectResult(r, 'succeeded')
        expectNoneFailed(r)
      })
    }

    it.concurrent('rolling: a release that never gets healthy is reverted, 0 failed requests', async () => {
      const r = await scenario({ platform, rollout: { by: 'ours', strategy: 'rolling' }, from: 'v1', to: 'bad-health', proxy: {}, load: LOAD })
      expectResult(r, 'rolled-back')
      expect(r.revertDelayMs).toBeLessThan(5_000)
      expectNoneFailed(r)
    })
  })
}

// Each hard case changes one thing from the well-behaved setup; the proxy does not retry in any of them.
const HARD_CASES: Array<{ name: string } & Omit<Scenario, 'platform' | 'rollout'>> = [
  { name: 'an app that exits at once on SIGTERM', from: 'bad-sigterm-v1', to: 'bad-sigterm-v2', proxy: { retries: 0 }, load: LOAD },
  { name: 'requests of 1–2 s in flight', from: 'v1', to: 'v2', proxy: { retries: 0 }, load: { ...LOAD, ratePerSec: 100, slow: { share: 0.25, minMs: 1_000, maxMs: 2_000 } } },
  { name: 'a proxy whose DNS view lags 5 s', from: 'v1', to: 'v2', proxy: { retries: 0, dnsRefreshMs: 5_000 }, load: LOAD },
  { name: 'keep-alive clients and server connections', from: 'v1', to: 'v2', proxy: { retries: 0, serverConnections: 'always' }, load: { ...LOAD, keepAlive: true } }
]

describe('hard cases on Swarm, beside native docker service update', () => {
  for (const { name, ...hard } of HARD_CASES) {
    it.concurrent(`${name}: never more failed requests than docker service update`, async () => {
      const [ours, native] = await Promise.all([
        scenario({ ...hard, platform: 'swarm', rollout: { by: 'ours', strategy: 'rolling' }, inputs: PRE_STOP_INPUTS }),
        scenario({ ...hard, platform: 'swarm', rollout: { by: 'native', order: 'stop-first' } })
      ])
      console.log(`${name}\n  ours:   ${describeTraffic(ours.traffic)}\n  native: ${describeTraffic(native.traffic)}`)
      expectResult(ours, 'succeeded')
      expect(ours.traffic.total).toBeGreaterThanOrEqual(2_000)
      expect(native.traffic.total).toBeGreaterThanOrEqual(2_000)
      expect(ours.traffic.failed).toBeLessThanOrEqual(native.traffic.failed)
    })
  }
})

describe('hard cases on docker', () => {
  it.concurrent('all of them at once (exits on SIGTERM, 1–2 s requests, DNS lag 5 s, keep-alive, no retries): 0 failed requests', async () => {
    const r = await scenario({
      platform: 'docker', rollout: { by: 'ours', strategy: 'rolling' }, from: 'bad-sigterm-v1', to: 'bad-sigterm-v2',
      proxy: { retries: 0, dnsRefreshMs: 5_000, serverConnections: 'always' },
      load: { ratePerSec: 100, keepAlive: true, slow: { share: 0.25, minMs: 1_000, maxMs: 2_000 } }
    })
    expectResult(r, 'succeeded')
    expectNoneFailed(r)
  })
})
