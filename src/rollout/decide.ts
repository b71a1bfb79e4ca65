// The decisions of one rollout step, as a pure state machine: given what was observed at a tick,
// advance, wait or revert. The engine owns the clock and the I/O; this owns the rules.
import type { AnalysisVerdict } from '../analysis/types.js'
import type { ProbeVerdict } from '../gates/health-verdict.js'
import type { ReplicaObservation } from './observation.js'

/** converging: replicas are being replaced; verifying: collecting consecutive health successes;
 *  monitoring: the step must stay healthy for the monitor window. */
export type Phase = 'converging' | 'verifying' | 'monitoring'

export interface StepGoal {
  /** Replicas that must be ready on the new release at the end of this step. */
  newReplicas: number
  /** Replicas the workload has in all. */
  total: number
  /** Replaced replicas the target itself takes out only after the step is verified (plain containers). */
  replacedLater?: number
}

export interface GateRules {
  hasHealthGate: boolean
  /** A metric analysis runs through the monitor window, which then must end with it successful. */
  hasAnalysis: boolean
  successesNeeded: number
  monitorMs: number
  deadlineMs: number
}

export interface StepProgress {
  phase: Phase
  stepStartedAt: number
  phaseStartedAt: number
  consecutiveSuccesses: number
}

export interface Tick {
  now: number
  runDeadlineAt: number
  observation: ReplicaObservation
  /** The health probe made at this tick, if the phase asked for one. */
  probe?: ProbeVerdict
  /** The metric analysis' verdict so far (monitoring only). */
  analysis?: AnalysisVerdict
}

export type Decision =
  | { verdict: 'wait'; progress: StepProgress; note?: string }
  | { verdict: 'advance'; progress: StepProgress; note?: string }
  | { verdict: 'revert'; progress: StepProgress; reason: string }

// Swarm states that mean the platform itself gave up on the update.
const PLATFORM_FAILURE_STATES = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed'])

export function startStep(now: number): StepProgress {
  return { phase: 'converging', stepStartedAt: now, phaseStartedAt: now, consecutiveSuccesses: 0 }
}

/** Whether the engine should probe health at this tick. */
export function wantsProbe(progress: StepProgress, rules: GateRules): boolean {
  return rules.hasHealthGate && progress.phase !== 'converging'
}

export function decide(goal: StepGoal, rules: GateRules, progress: StepProgress, tick: Tick): Decision {
  const { now, observation: o } = tick
  const revert = (reason: string): Decision => ({ verdict: 'revert', progress, reason })

  if (now >= tick.runDeadlineAt) return revert('the whole run went past its timeout')
  if (o.failed > 0) {
    const why = o.failures[0] ? `: ${o.failures[0]}` : ''
    return revert(`${o.failed} replica(s) of the new release failed${why}`)
  }
  if (o.updateState && PLATFORM_FAILURE_STATES.has(o.updateState)) {
    return revert(`the platform reports the update ${o.updateState}${o.updateMessage ? `: ${o.updateMessage}` : ''}`)
  }

  switch (progress.phase) {
    case 'converging':
      return converge(goal, rules, progress, tick, revert)
    case 'verifying':
      return verify(goal, rules, progress, tick, revert)
    case 'monitoring':
      return monitor(goal, rules, progress, tick, revert)
  }
}

function converge(goal: StepGoal, rules: GateRules, progress: StepProgress, tick: Tick, revert: (r: string) => Decision): Decision {
  const o = tick.observation
  const converged = o.ready >= goal.newReplicas && o.others <= goal.total - goal.newReplicas + (goal.replacedLater ?? 0)
  if (converged) return enter(rules.hasHealthGate ? 'verifying' : 'monitoring', goal, rules, progress, tick)
  if (tick.now - progress.stepStartedAt >= rules.deadlineMs) {
    return revert(
      `deadline: ${o.ready} of ${goal.newReplicas} replica(s) ready on the new release` +
        ` (${o.starting} starting, ${o.others} on the old) after ${seconds(rules.deadlineMs)}`
    )
  }
  return { verdict: 'wait', progress }
}

function verify(goal: StepGoal, rules: GateRules, progress: StepProgress, tick: Tick, revert: (r: string) => Decision): Decision {
  const probe = tick.probe
  if (probe) {
    const successes = probe.ok ? progress.consecutiveSuccesses + 1 : 0
    const next = { ...progress, consecutiveSuccesses: successes }
    if (successes >= rules.successesNeeded) return enter('monitoring', goal, rules, next, tick)
    progress = next
  }
  if (tick.now - progress.stepStartedAt >= rules.deadlineMs) {
    return revert(
      `deadline: the health gate had ${progress.consecutiveSuccesses} of ${rules.successesNeeded} consecutive successes` +
        ` after ${seconds(rules.deadlineMs)}${probe ? `; last probe ${probe.detail}` : ''}`
    )
  }
  return { verdict: 'wait', progress }
}

function monitor(goal: StepGoal, rules: GateRules, progress: StepProgress, tick: Tick, revert: (r: string) => Decision): Decision {
  if (tick.probe && !tick.probe.ok) return revert(`health gate failed while monitoring: ${tick.probe.detail}`)
  const analysis = tick.analysis
  if (analysis && (analysis.phase === 'failed' || analysis.phase === 'inconclusive')) {
    return revert(`metric analysis ${analysis.phase}: ${analysis.reason ?? 'no reason given'}`)
  }
  if (tick.now - progress.phaseStartedAt >= rules.monitorMs) {
    // The window is over by the clock, but the analysis decides when its last reading is in.
    if (rules.hasAnalysis && analysis?.phase !== 'successful') return { verdict: 'wait', progress, note: 'waiting for the metric analysis' }
    const o = tick.observation
    // A replica that vanished during the window (crashed and was replaced) means the step is not stable.
    if (o.ready < goal.newReplicas) {
      if (tick.now - progress.phaseStartedAt >= rules.monitorMs + rules.deadlineMs) {
        return revert(`deadline: only ${o.ready} of ${goal.newReplicas} replica(s) still ready after the monitor window`)
      }
      return { verdict: 'wait', progress, note: `${o.ready}/${goal.newReplicas} ready; waiting` }
    }
    return { verdict: 'advance', progress }
  }
  return { verdict: 'wait', progress }
}

function enter(phase: Phase, goal: StepGoal, rules: GateRules, progress: StepProgress, tick: Tick): Decision {
  const next = { ...progress, phase, phaseStartedAt: tick.now }
  // With no monitor window there is nothing more to wait for once the replicas (and health) are in,
  // provided the replicas are still in: a replica lost while verifying is waited for by monitor().
  const stillReady = tick.observation.ready >= goal.newReplicas
  if (phase === 'monitoring' && rules.monitorMs === 0 && !rules.hasAnalysis && stillReady) return { verdict: 'advance', progress: next }
  return { verdict: 'wait', progress: next, note: `entering ${phase}` }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`
}
