// The engine: for each step of the plan, act through the target, then observe until the step is done,
// a gate fails or a deadline passes. The rules live in decide(); this file only does the I/O and records.
import { assess } from '../analysis/assess.js'
import type { AnalysisLimits, AnalysisVerdict, Measurement } from '../analysis/types.js'
import type { HealthGateConfig } from '../config/types.js'
import type { AnalysisGate } from '../gates/analysis-gate.js'
import type { HttpProbe } from '../gates/http-probe.js'
import type { ProbeVerdict } from '../gates/health-verdict.js'
import type { Log } from '../log.js'
import { iso, type ReportRecorder, type StepRecord } from '../report/report.js'
import type { Capture, RolloutTarget } from '../targets/target.js'
import type { Clock } from './clock.js'
import { decide, startStep, wantsProbe, type GateRules, type StepProgress } from './decide.js'
import { describeObservation } from './observation.js'
import type { BatchStep, RolloutPlan } from './plan.js'
import { probeHealth } from './probe-replicas.js'
import { revert } from './revert.js'

export interface EngineDeps<C extends Capture> {
  target: RolloutTarget<C>
  probe: HttpProbe
  clock: Clock
  log: Log
  recorder: ReportRecorder
  /** The metric gate, when metrics are configured: read through each step's monitor window. */
  analysis?: AnalysisGate
  /** Aborted when the run is cancelled: treated as a failed gate. */
  signal?: AbortSignal
}

export interface AnalysisSettings {
  intervalMs: number
  /** The analysis window; a step's monitor window is at least this long. */
  durationMs: number
  limits: AnalysisLimits
}

export interface RolloutSettings {
  health?: HealthGateConfig
  analysis?: AnalysisSettings
  monitorMs: number
  deadlineMs: number
  autoRollback: boolean
  /** Epoch ms when the whole run must be over (the `timeout` input, counted from the run's start). */
  runDeadlineAt: number
}

export interface RolloutOutcome {
  result: 'succeeded' | 'rolled-back' | 'failed' | 'paused'
  reason?: string
}

// How often replicas are polled while they converge (probing follows health-interval).
const CONVERGE_POLL_MS = 1000

export async function runRollout<C extends Capture>(
  plan: RolloutPlan,
  capture: C,
  previous: string,
  settings: RolloutSettings,
  deps: EngineDeps<C>
): Promise<RolloutOutcome> {
  const { target, clock, log } = deps
  const since = clock.now()
  const rules: GateRules = {
    hasHealthGate: settings.health !== undefined,
    hasAnalysis: settings.analysis !== undefined && deps.analysis !== undefined,
    successesNeeded: settings.health?.successes ?? 0,
    monitorMs: Math.max(settings.monitorMs, settings.analysis && deps.analysis ? settings.analysis.durationMs : 0),
    deadlineMs: settings.deadlineMs
  }
  let failure: string | undefined
  for (const step of plan.steps) {
    const name = stepName(step)
    const record = deps.recorder.startStep(name)
    failure = await log.group(`${capitalised(name)}: ${step.newReplicas}/${step.total} replicas on the new release`, () =>
      runStep(step, plan, capture, rules, settings, since, record, deps).catch((error: unknown) => {
        // A fault while acting or observing (lost connection, API error) fails the step like a gate.
        const reason = `${capitalised(name)}: ${(error as Error).message ?? error}`
        deps.recorder.endStep(record, 'failed', reason)
        return reason
      })
    )
    if (failure) break
  }

  if (!failure) {
    failure = await target.complete(capture, plan.to, plan.from).then(
      () => undefined,
      (error: unknown) => `Completing the rollout: ${(error as Error).message ?? error}`
    )
  }
  if (!failure) {
    log.info(`All ${plan.total} replica(s) of ${plan.target} run ${plan.to}`)
    return { result: 'succeeded' }
  }

  deps.recorder.report.failureLogs.push(...(await target.failureLogs(capture, plan.to, since).catch(() => [])))
  if (!settings.autoRollback) {
    log.error(`${failure}. auto-rollback is off: ${plan.target} is left as it is, part-way through the rollout.`)
    return { result: 'failed', reason: failure }
  }
  log.error(`${failure}. Reverting ${plan.target} to ${previous}.`)
  const reverted = await revert(capture, previous, settings, deps)
  return reverted.ok ? { result: 'rolled-back', reason: failure } : { result: 'failed', reason: `${failure}; then the revert failed: ${reverted.reason}` }
}

async function runStep<C extends Capture>(
  step: BatchStep,
  plan: RolloutPlan,
  capture: C,
  rules: GateRules,
  settings: RolloutSettings,
  since: number,
  record: StepRecord,
  deps: EngineDeps<C>
): Promise<string | undefined> {
  const { target, clock, log, recorder } = deps
  // A target that takes the replaced replicas out itself (cutOver) still runs them while the new ones are verified.
  const goal = { newReplicas: step.newReplicas, total: step.total, replacedLater: target.cutOver ? step.size : 0 }
  if (step.monitorMs !== undefined) rules = { ...rules, monitorMs: Math.max(step.monitorMs, rules.hasAnalysis ? rules.monitorMs : 0) }
  let progress: StepProgress = startStep(clock.now())
  await target.applyStep(capture, step, plan.to, plan.batchSize)
  const analysis = rules.hasAnalysis && settings.analysis && deps.analysis ? new StepAnalysis(deps.analysis, settings.analysis, record, deps) : undefined
  let lastSeen = ''
  let cutOver = false
  for (;;) {
    if (deps.signal?.aborted) {
      recorder.endStep(record, 'failed', 'the run was cancelled')
      return 'The run was cancelled'
    }
    const observation = await target.observe(capture, plan.to, since)
    const seen = describeObservation(observation)
    if (seen !== lastSeen) {
      log.info(`  ${seen}`)
      recorder.event(record, seen)
      lastSeen = seen
    }
    record.replicas = seen
    let probe: ProbeVerdict | undefined
    if (settings.health && wantsProbe(progress, rules)) {
      probe = await probeHealth(target, capture, plan.to, settings.health, deps.probe)
      record.probes.push({ at: iso(clock.now()), ok: probe.ok, status: probe.status, durationMs: probe.durationMs, detail: probe.detail })
      log.info(`  health ${probe.ok ? 'ok' : 'FAILED'}: ${probe.detail}`)
    }
    const verdict = progress.phase === 'monitoring' && analysis ? await analysis.tick() : undefined
    const decision = decide(goal, rules, progress, { now: clock.now(), runDeadlineAt: settings.runDeadlineAt, observation, probe, analysis: verdict })
    if (decision.progress.phase !== progress.phase) {
      const note = `${decision.progress.phase}`
      log.info(`  → ${note}`)
      recorder.event(record, note)
    }
    progress = decision.progress
    if (target.cutOver && !cutOver && (decision.verdict === 'advance' || progress.phase === 'monitoring')) {
      // Verified: the new replicas go into service and the ones they replace are drained (the target says
      // how); the monitor window and the metric analysis start only then, with the new replicas in service.
      await target.cutOver(capture, step, plan.to, deps.signal)
      recorder.event(record, 'cut over')
      cutOver = true
      progress = { ...progress, phaseStartedAt: clock.now() }
    }
    if (decision.verdict === 'advance') {
      recorder.endStep(record, 'passed')
      return undefined
    }
    if (decision.verdict === 'revert') {
      recorder.endStep(record, 'failed', decision.reason)
      return `${capitalised(stepName(step))}: ${decision.reason}`
    }
    if (progress.phase === 'monitoring' && analysis) await analysis.begin()
    const pause = progress.phase === 'converging' || !settings.health ? CONVERGE_POLL_MS : settings.health.intervalMs
    await clock.sleep(analysis?.pauseBefore(pause) ?? pause, deps.signal)
  }
}

function stepName(step: BatchStep): string {
  return step.name ?? `batch ${step.index}/${step.of}`
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * One step's metric analysis: the window starts when the step starts monitoring; a reading is taken
 * every interval (the first one interval in, so that a scraped window has traffic to judge); the
 * verdict is assess()'s over every reading so far, final once the planned readings are in.
 */
class StepAnalysis<C extends Capture> {
  private readonly measurements: Measurement[] = []
  private readonly planned: number
  private startedAt?: number

  constructor(
    private readonly gate: AnalysisGate,
    private readonly settings: AnalysisSettings,
    private readonly record: StepRecord,
    private readonly deps: EngineDeps<C>
  ) {
    this.planned = Math.max(1, Math.floor(settings.durationMs / settings.intervalMs))
  }

  async begin(): Promise<void> {
    if (this.startedAt !== undefined) return
    this.startedAt = this.deps.clock.now()
    this.deps.log.info(`  analysing ${this.gate.description} every ${this.settings.intervalMs / 1000}s, ${this.planned} reading(s)`)
    await this.gate.begin()
  }

  async tick(): Promise<AnalysisVerdict> {
    await this.begin()
    const { clock, log, recorder } = this.deps
    const due = (this.startedAt ?? clock.now()) + (this.measurements.length + 1) * this.settings.intervalMs
    if (this.measurements.length < this.planned && clock.now() >= due) {
      const m = await this.gate.measure(clock.now())
      this.measurements.push(m)
      this.record.measurements.push({ at: iso(m.at), phase: m.phase, values: m.values, detail: m.detail })
      const line = `metrics ${m.phase}: ${m.detail}`
      log.info(`  ${line}`)
      recorder.event(this.record, line)
    }
    return assess(this.measurements, this.settings.limits, this.measurements.length >= this.planned)
  }

  /** Sleeps no longer than until the next reading is due. */
  pauseBefore(pause: number): number {
    if (this.startedAt === undefined || this.measurements.length >= this.planned) return pause
    const due = this.startedAt + (this.measurements.length + 1) * this.settings.intervalMs
    return Math.max(0, Math.min(pause, due - this.deps.clock.now()))
  }
}
