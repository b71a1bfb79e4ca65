import { describe, expect, it } from '@jest/globals'
import { decide, startStep, wantsProbe, type GateRules, type StepProgress, type Tick } from '../../src/rollout/decide.js'
import type { ReplicaObservation } from '../../src/rollout/observation.js'
import type { ProbeVerdict } from '../../src/gates/health-verdict.js'

const goal = { newReplicas: 1, total: 3 }
const rules: GateRules = { hasHealthGate: true, hasAnalysis: false, successesNeeded: 2, monitorMs: 10_000, deadlineMs: 60_000 }
const noHealth: GateRules = { ...rules, hasHealthGate: false }
const obs = (o: Partial<ReplicaObservation> = {}): ReplicaObservation => ({ desired: 3, ready: 1, starting: 0, failed: 0, others: 2, failures: [], ...o })
const ok: ProbeVerdict = { ok: true, detail: '200 in 3 ms', status: 200, durationMs: 3 }
const bad: ProbeVerdict = { ok: false, detail: '404 in 2 ms (expected 200-399)', status: 404, durationMs: 2 }
const at = (phase: StepProgress['phase'], extra: Partial<StepProgress> = {}): StepProgress => ({ phase, stepStartedAt: 0, phaseStartedAt: 0, consecutiveSuccesses: 0, ...extra })
const tick = (now: number, observation: ReplicaObservation, probe?: ProbeVerdict, runDeadlineAt = 1e9): Tick => ({ now, runDeadlineAt, observation, probe })

describe('decide', () => {
  const rows: Array<[string, GateRules, StepProgress, Tick, string, string]> = [
    // name, rules, progress, tick, verdict, next phase or reason fragment
    ['waits while the new replica starts', rules, at('converging'), tick(1000, obs({ ready: 0, starting: 1, others: 3 })), 'wait', 'converging'],
    ['waits while old replicas exceed what is left for them', rules, at('converging'), tick(1000, obs({ others: 3 })), 'wait', 'converging'],
    ['verifies once the batch is in', rules, at('converging'), tick(1000, obs()), 'wait', 'verifying'],
    ['monitors directly without a health gate', noHealth, at('converging'), tick(1000, obs()), 'wait', 'monitoring'],
    ['advances at once without health gate and monitor window', { ...noHealth, monitorMs: 0 }, at('converging'), tick(1000, obs()), 'advance', 'monitoring'],
    ['counts a success', rules, at('verifying'), tick(2000, obs(), ok), 'wait', 'verifying'],
    ['monitors after enough successes', rules, at('verifying', { consecutiveSuccesses: 1 }), tick(2000, obs(), ok), 'wait', 'monitoring'],
    ['keeps verifying after a failed probe', rules, at('verifying', { consecutiveSuccesses: 1 }), tick(2000, obs(), bad), 'wait', 'verifying'],
    ['waits through the monitor window', rules, at('monitoring', { phaseStartedAt: 1000 }), tick(5000, obs(), ok), 'wait', 'monitoring'],
    ['advances after the monitor window', rules, at('monitoring', { phaseStartedAt: 1000 }), tick(11_000, obs(), ok), 'advance', 'monitoring'],
    ['waits for a replaced replica after the window', rules, at('monitoring', { phaseStartedAt: 1000 }), tick(11_000, obs({ ready: 0, starting: 1 }), ok), 'wait', 'monitoring'],
    ['reverts on a probe failure while monitoring', rules, at('monitoring'), tick(3000, obs(), bad), 'revert', 'health gate failed while monitoring: 404 in 2 ms (expected 200-399)'],
    ['reverts when a new replica failed', rules, at('converging'), tick(1000, obs({ ready: 0, failed: 1, failures: ['slot 2 failed (exit 1): task: non-zero exit (1)'] })), 'revert', '1 replica(s) of the new release failed: slot 2 failed (exit 1): task: non-zero exit (1)'],
    ['reverts when Swarm paused the update', rules, at('converging'), tick(1000, obs({ ready: 0, updateState: 'paused', updateMessage: 'update paused due to failure' })), 'revert', 'the platform reports the update paused: update paused due to failure'],
    ['reverts when Swarm rolled back on its own', rules, at('monitoring'), tick(1000, obs({ updateState: 'rollback_completed' }), ok), 'revert', 'the platform reports the update rollback_completed'],
    ['reverts at the deadline while converging', rules, at('converging'), tick(60_000, obs({ ready: 0, starting: 1, others: 3 })), 'revert', 'deadline: 0 of 1 replica(s) ready on the new release (1 starting, 3 on the old) after 60s'],
    ['reverts at the deadline while verifying', rules, at('verifying', { consecutiveSuccesses: 0 }), tick(60_000, obs(), bad), 'revert', 'deadline: the health gate had 0 of 2 consecutive successes after 60s; last probe 404 in 2 ms (expected 200-399)'],
    ['reverts past the run timeout', rules, at('monitoring'), tick(5000, obs(), ok, 4000), 'revert', 'the whole run went past its timeout'],
    ['reverts when a replica stays missing long after the window', rules, at('monitoring', { phaseStartedAt: 0 }), tick(70_000, obs({ ready: 0 }), ok), 'revert', 'deadline: only 0 of 1 replica(s) still ready after the monitor window']
  ]
  it.each(rows)('%s', (_name, r, progress, t, verdict, detail) => {
    const decision = decide(goal, r, progress, t)
    expect(decision.verdict).toBe(verdict)
    if (decision.verdict === 'revert') expect(decision.reason).toBe(detail)
    else expect(decision.progress.phase).toBe(detail)
  })

  it('lets the replaced replicas serve while a cut-over target verifies the new ones', () => {
    const mid = tick(1000, obs({ ready: 1, others: 3 }))
    expect(decide(goal, rules, at('converging'), mid).progress.phase).toBe('converging')
    expect(decide({ ...goal, replacedLater: 1 }, rules, at('converging'), mid).progress.phase).toBe('verifying')
    expect(decide({ ...goal, replacedLater: 1 }, rules, at('converging'), tick(1000, obs({ ready: 1, others: 4 }))).progress.phase).toBe('converging')
  })

  it('resets consecutive successes after a failure', () => {
    const decision = decide(goal, { ...rules, successesNeeded: 3 }, at('verifying', { consecutiveSuccesses: 2 }), tick(2000, obs(), bad))
    expect(decision.progress.consecutiveSuccesses).toBe(0)
  })

  it('starts the monitor window when it enters it', () => {
    const decision = decide(goal, rules, at('verifying', { consecutiveSuccesses: 1 }), tick(4321, obs(), ok))
    expect(decision.progress).toEqual({ phase: 'monitoring', stepStartedAt: 0, phaseStartedAt: 4321, consecutiveSuccesses: 2 })
  })

  it('probes only once replicas are in, and only with a health gate', () => {
    expect(wantsProbe(startStep(0), rules)).toBe(false)
    expect(wantsProbe(at('verifying'), rules)).toBe(true)
    expect(wantsProbe(at('monitoring'), rules)).toBe(true)
    expect(wantsProbe(at('monitoring'), noHealth)).toBe(false)
  })
})

describe('decide with no monitor window', () => {
  it('does not advance when a replica was lost while the probes passed', () => {
    const r = { ...rules, successesNeeded: 1, monitorMs: 0 }
    const decision = decide(goal, r, at('verifying'), tick(3, obs({ ready: 0, others: 0 }), ok))
    expect(decision.verdict).toBe('wait')
    expect(decision.progress.phase).toBe('monitoring')
  })
})

describe('decide with a metric analysis', () => {
  const withAnalysis: GateRules = { ...rules, hasAnalysis: true }
  const running = { phase: 'running' } as const
  const passed = { phase: 'successful' } as const
  const analysed = (now: number, analysis: Tick['analysis']): Tick => ({ ...tick(now, obs(), ok), analysis })
  it.each([
    ['waits while the analysis runs inside the window', at('monitoring'), analysed(5000, running), 'wait', undefined],
    ['waits for the last reading after the window', at('monitoring'), analysed(11_000, running), 'wait', undefined],
    ['advances once the window is over and the analysis passed', at('monitoring'), analysed(11_000, passed), 'advance', undefined],
    ['does not advance early on a passed analysis', at('monitoring'), analysed(5000, passed), 'wait', undefined],
    ['reverts on a failed analysis at once', at('monitoring'), analysed(2000, { phase: 'failed', reason: '1 failed' }), 'revert', 'metric analysis failed: 1 failed'],
    ['reverts on an inconclusive analysis', at('monitoring'), analysed(2000, { phase: 'inconclusive', reason: 'no data' }), 'revert', 'metric analysis inconclusive: no data']
  ] as const)('%s', (_title, progress, t, verdict, reason) => {
    const decision = decide(goal, withAnalysis, progress, t)
    expect(decision.verdict).toBe(verdict)
    if (reason) expect(decision.verdict === 'revert' && decision.reason).toBe(reason)
  })

  it('never skips the window with monitor 0 when an analysis must run', () => {
    const decision = decide(goal, { ...withAnalysis, monitorMs: 0, successesNeeded: 1 }, at('verifying'), tick(3, obs(), ok))
    expect(decision.verdict).toBe('wait')
    expect(decision.progress.phase).toBe('monitoring')
  })
})
