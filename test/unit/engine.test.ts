// The engine's control flow with a scripted in-memory target and a virtual clock: what it does in
// which order, and what it reports. The real Swarm behaviour is in test/integration.
import { describe, expect, it } from '@jest/globals'
import type { Measurement } from '../../src/analysis/types.js'
import type { AnalysisGate } from '../../src/gates/analysis-gate.js'
import type { ProbeReply } from '../../src/gates/http-probe.js'
import { MemoryLog } from '../../src/log.js'
import { ReportRecorder } from '../../src/report/report.js'
import type { Clock } from '../../src/rollout/clock.js'
import { runRollout, type RolloutSettings } from '../../src/rollout/engine.js'
import type { ReplicaObservation } from '../../src/rollout/observation.js'
import { planRolling } from '../../src/rollout/plan.js'
import type { Capture, RolloutTarget } from '../../src/targets/target.js'

const OLD = 'app:1@sha256:aaa'
const NEW = 'app:2@sha256:bbb'

class VirtualClock implements Clock {
  t = 1_000_000
  now(): number { return this.t }
  async sleep(ms: number): Promise<void> { this.t += ms }
}

/** Replicas move to whatever was last applied one tick after the write; `failAt` makes a batch fail. */
class ScriptedTarget implements RolloutTarget {
  calls: string[] = []
  onNew = 0
  pendingNew = 0
  failAtBatch?: number
  revertConverges = true
  constructor(private total: number) {}
  async capture(): Promise<Capture> { return { id: 'id', name: 'api', image: OLD, replicas: this.total, facts: {}, config: { env: [], labels: {} } } }
  async applyStep(_c: Capture, step: { index: number; newReplicas: number }): Promise<void> {
    this.calls.push(`apply ${step.index}`)
    this.pendingNew = step.newReplicas
  }
  async observe(_c: Capture, release: string): Promise<ReplicaObservation> {
    const failed = this.failAtBatch !== undefined && this.pendingNew >= this.failAtBatch ? 1 : 0
    if (release === NEW) {
      const o = { desired: this.total, ready: this.onNew, starting: this.pendingNew - this.onNew, failed, others: this.total - this.onNew, failures: failed ? ['slot 1 failed (exit 1): boom'] : [] }
      this.onNew = this.pendingNew
      return o
    }
    const back = this.revertConverges ? this.total : this.total - 1
    return { desired: this.total, ready: back, starting: 0, failed: 0, others: this.total - back, failures: [] }
  }
  async complete(): Promise<void> { this.calls.push('complete') }
  async restore(): Promise<void> { this.calls.push('restore'); this.pendingNew = 0; this.onNew = 0 }
  async settle(): Promise<void> { this.calls.push('settle') }
  async failureLogs(): Promise<string[]> { return ['task x failed: boom'] }
}

function setup(total: number, probeReplies: (n: number) => ProbeReply, overrides: Partial<RolloutSettings> = {}) {
  const clock = new VirtualClock()
  const target = new ScriptedTarget(total)
  let probes = 0
  const deps = {
    target,
    clock,
    log: new MemoryLog(),
    recorder: new ReportRecorder(() => clock.now()),
    probe: { get: async (): Promise<ProbeReply> => probeReplies(++probes) }
  }
  const settings: RolloutSettings = {
    health: { url: new URL('http://lb/health'), statuses: [{ from: 200, to: 399 }], intervalMs: 1000, timeoutMs: 500, successes: 2 },
    monitorMs: 3000,
    deadlineMs: 30_000,
    autoRollback: true,
    runDeadlineAt: clock.now() + 600_000,
    ...overrides
  }
  const plan = planRolling({ target: 'api', from: OLD, to: NEW, total, batch: { kind: 'count', value: 1 } })
  return { clock, target, deps, settings, plan }
}

const healthy = (): ProbeReply => ({ status: 200, durationMs: 3 })

describe('runRollout', () => {
  it('applies, gates and completes every batch in order', async () => {
    const { target, deps, settings, plan } = setup(3, healthy)
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome).toEqual({ result: 'succeeded' })
    expect(target.calls).toEqual(['apply 1', 'apply 2', 'apply 3', 'complete'])
    expect(deps.recorder.report.steps.map((s) => [s.name, s.outcome])).toEqual([['batch 1/3', 'passed'], ['batch 2/3', 'passed'], ['batch 3/3', 'passed']])
    for (const step of deps.recorder.report.steps) expect(step.probes.length).toBeGreaterThanOrEqual(2 + 3)
  })

  it('reverts when a new replica fails, and records the failing logs', async () => {
    const { target, deps, settings, plan } = setup(3, healthy)
    target.failAtBatch = 2
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome).toEqual({ result: 'rolled-back', reason: 'Batch 2/3: 1 replica(s) of the new release failed: slot 1 failed (exit 1): boom' })
    expect(target.calls).toEqual(['apply 1', 'apply 2', 'restore', 'settle'])
    expect(deps.recorder.report.failureLogs).toEqual(['task x failed: boom'])
    expect(deps.recorder.report.steps.at(-1)).toMatchObject({ name: 'revert', outcome: 'converged' })
  })

  it('reverts on a failed probe while monitoring', async () => {
    const { target, deps, settings, plan } = setup(2, (n) => (n === 4 ? { status: 503, durationMs: 2 } : healthy()))
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toBe('Batch 1/2: health gate failed while monitoring: 503 in 2 ms (expected 200-399)')
    expect(target.calls).toEqual(['apply 1', 'restore', 'settle'])
  })

  it('leaves the target as it is with auto-rollback off', async () => {
    const { target, deps, settings, plan } = setup(3, healthy, { autoRollback: false })
    target.failAtBatch = 1
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome.result).toBe('failed')
    expect(target.calls).toEqual(['apply 1'])
  })

  it('says so when the revert does not converge, and never reverts the revert', async () => {
    const { target, deps, settings, plan } = setup(3, healthy)
    target.failAtBatch = 1
    target.revertConverges = false
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toBe(
      'Batch 1/3: 1 replica(s) of the new release failed: slot 1 failed (exit 1): boom; then the revert failed: ' +
        'the previous release did not come back within 60s (2/3 ready, 1 on other releases)'
    )
    expect(target.calls).toEqual(['apply 1', 'restore'])
    expect(deps.log.lines.some((l) => l.includes('is NOT on a single known release'))).toBe(true)
  })

  it('treats a cancelled run as a failed gate and reverts', async () => {
    const { target, deps, settings, plan } = setup(3, healthy)
    const cancel = new AbortController()
    cancel.abort()
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, signal: cancel.signal })
    expect(outcome).toEqual({ result: 'rolled-back', reason: 'The run was cancelled' })
  })

  it('reverts a step that outlives the run timeout', async () => {
    const { target, deps, settings, plan, clock } = setup(3, healthy)
    settings.runDeadlineAt = clock.now() + 5000
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome.reason).toBe('Batch 1/3: the whole run went past its timeout')
  })
})

/** A metric gate whose readings are scripted by their number (1-based), recording when each was taken. */
function scriptedGate(clock: VirtualClock, reading: (n: number) => Measurement['phase']) {
  const taken: number[] = []
  let windows = 0
  const gate: AnalysisGate = {
    description: 'scripted',
    begin: async () => {
      windows++
    },
    measure: async (at) => {
      taken.push(at)
      const phase = reading(taken.length)
      return { at, phase, values: { result: taken.length / 100 }, detail: `reading ${taken.length} ${phase}` }
    }
  }
  return { gate, taken, windows: () => windows }
}

const ANALYSIS = { intervalMs: 2000, durationMs: 6000, limits: { failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 2 } }

describe('runRollout with a metric gate', () => {
  it('reads every interval through the analysis window of each batch, and records every value', async () => {
    const { target, deps, settings, plan, clock } = setup(2, healthy, { monitorMs: 1000, analysis: ANALYSIS })
    const { gate, windows } = scriptedGate(clock, () => 'successful')
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, analysis: gate })
    expect(outcome).toEqual({ result: 'succeeded' })
    expect(windows()).toBe(2)
    // 6 s window / 2 s interval = 3 readings per batch, each in the report with its values.
    expect(deps.recorder.report.steps.map((s) => s.measurements.map((m) => m.values.result))).toEqual([[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]])
  })

  it('reverts at the first failed reading when failure-limit is 0', async () => {
    const { target, deps, settings, plan, clock } = setup(3, healthy, { analysis: ANALYSIS })
    const { gate } = scriptedGate(clock, (n) => (n === 2 ? 'failed' : 'successful'))
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, analysis: gate })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toBe('Batch 1/3: metric analysis failed: 1 failed measurement(s), more than failure-limit 0; last: reading 2 failed')
    expect(deps.recorder.report.steps[0].measurements).toHaveLength(2)
  })

  it('tolerates inconclusive readings up to the limit, then reverts', async () => {
    const { target, deps, settings, plan, clock } = setup(1, healthy, { analysis: ANALYSIS })
    const { gate } = scriptedGate(clock, (n) => (n === 1 ? 'inconclusive' : n === 3 ? 'inconclusive' : 'successful'))
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, analysis: gate })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Batch 1\/1: metric analysis inconclusive: 2 inconclusive measurement\(s\), more than inconclusive-limit 1/)
  })

  it('does not pass a window whose every reading was inconclusive', async () => {
    const { target, deps, settings, plan, clock } = setup(1, healthy, { analysis: { ...ANALYSIS, limits: { ...ANALYSIS.limits, inconclusiveLimit: 5 } } })
    const { gate } = scriptedGate(clock, () => 'inconclusive')
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, analysis: gate })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/no successful measurement in the window/)
  })

  it('fails the step when the metrics source keeps erroring past the consecutive-error limit', async () => {
    const { target, deps, settings, plan, clock } = setup(1, healthy, { analysis: ANALYSIS })
    const { gate } = scriptedGate(clock, () => 'error')
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, { ...deps, analysis: gate })
    expect(outcome.result).toBe('rolled-back')
    // The window plans 3 readings; a third error in a row passes the limit of 2.
    expect(deps.recorder.report.steps[0].measurements.map((m) => m.phase)).toEqual(['error', 'error', 'error'])
  })
})

/**
 * A target that puts replicas in and out of service itself (plain containers): the old ones serve
 * until cutOver, and the gate is probed at each new replica's own address.
 */
class CuttingTarget implements RolloutTarget {
  events: string[] = []
  newReady = 0
  oldServing: number
  constructor(private total: number, private clock: VirtualClock) {
    this.oldServing = total
  }
  async capture(): Promise<Capture> { return { id: 'id', name: 'api', image: OLD, replicas: this.total, facts: {}, config: { env: [], labels: {} } } }
  async applyStep(_c: Capture, step: { index: number; newReplicas: number }): Promise<void> {
    this.events.push(`apply ${step.index}`)
    this.newReady = step.newReplicas
  }
  async observe(_c: Capture, release: string): Promise<ReplicaObservation> {
    if (release === NEW) return { desired: this.total, ready: this.newReady, starting: 0, failed: 0, others: this.oldServing, failures: [] }
    return { desired: this.total, ready: this.total, starting: 0, failed: 0, others: 0, failures: [] }
  }
  async cutOver(_c: Capture, step: { index: number; newReplicas: number; total: number }): Promise<void> {
    this.events.push(`cut over ${step.index} at ${this.clock.now()}`)
    this.oldServing = step.total - step.newReplicas
  }
  async probeUrls(_c: Capture, _r: string, url: URL): Promise<URL[]> {
    return Array.from({ length: this.newReady }, (_, i) => new URL(`http://10.0.0.${i + 1}${url.pathname}`))
  }
  async complete(): Promise<void> { this.events.push('complete') }
  async restore(): Promise<void> { this.events.push('restore') }
  async settle(): Promise<void> {}
  async failureLogs(): Promise<string[]> { return [] }
}

describe('runRollout with a target that cuts over by itself', () => {
  function cutting(total: number, batch: number, reply: (url: URL, tick: number) => ProbeReply) {
    const clock = new VirtualClock()
    const target = new CuttingTarget(total, clock)
    const probed: string[] = []
    const deps = {
      target, clock, log: new MemoryLog(), recorder: new ReportRecorder(() => clock.now()),
      probe: { get: async (url: URL): Promise<ProbeReply> => {
        probed.push(url.host)
        target.events.push(`probe ${url.host}`)
        return reply(url, probed.length)
      } }
    }
    const settings: RolloutSettings = {
      health: { url: new URL('http://api/health'), statuses: [{ from: 200, to: 399 }], intervalMs: 1000, timeoutMs: 500, successes: 2 },
      monitorMs: 3000, deadlineMs: 30_000, autoRollback: true, runDeadlineAt: clock.now() + 600_000
    }
    const plan = planRolling({ target: 'api', from: OLD, to: NEW, total, batch: { kind: 'count', value: batch } })
    return { clock, target, deps, settings, plan, probed }
  }

  it('verifies the new replicas at their own addresses while the old still serve, then cuts over, then monitors', async () => {
    const { target, deps, settings, plan } = cutting(2, 1, healthy)
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome).toEqual({ result: 'succeeded' })
    const steps = target.events.filter((e) => !e.startsWith('probe')).map((e) => e.replace(/ at \d+$/, ''))
    expect(steps).toEqual(['apply 1', 'cut over 1', 'apply 2', 'cut over 2', 'complete'])
    // Two successes before each cut-over (health-successes 2); batch 2 probes both new replicas.
    const firstCut = target.events.findIndex((e) => e.startsWith('cut over 1'))
    expect(target.events.slice(1, firstCut)).toEqual(['probe 10.0.0.1', 'probe 10.0.0.1'])
    const secondCut = target.events.findIndex((e) => e.startsWith('cut over 2'))
    expect(target.events.slice(target.events.indexOf('apply 2') + 1, secondCut)).toEqual(['probe 10.0.0.1', 'probe 10.0.0.2', 'probe 10.0.0.1', 'probe 10.0.0.2'])
    // The monitor window starts at the cut-over: each step ends at least monitor after it.
    const cutAt = Number(/at (\d+)$/.exec(target.events[firstCut])?.[1])
    const step1 = deps.recorder.report.steps[0]
    expect(Date.parse(step1.endedAt ?? '') - cutAt).toBeGreaterThanOrEqual(3000)
    expect(step1.probes.at(-1)?.detail).toMatch(/^10\.0\.0\.1: 200 in 3 ms$/)
  })

  it('names the replica whose probe failed', async () => {
    const { target, deps, settings, plan } = cutting(2, 2, (url, n) => (n >= 7 && url.host === '10.0.0.2' ? { status: 503, durationMs: 2 } : healthy()))
    const outcome = await runRollout(plan, await target.capture(), OLD, settings, deps)
    expect(outcome).toEqual({ result: 'rolled-back', reason: 'Batch 1/1: health gate failed while monitoring: 10.0.0.2: 503 in 2 ms (expected 200-399)' })
    expect(target.events.filter((e) => !e.startsWith('probe')).map((e) => e.replace(/ at \d+$/, ''))).toEqual(['apply 1', 'cut over 1', 'restore'])
  })
})
