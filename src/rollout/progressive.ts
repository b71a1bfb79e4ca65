// Canary and blue-green, as phases of the one engine: first the companion (canary or preview) is
// scaled and gated step by step; only when it passed is the workload itself touched, by the same gated
// rolling update as `strategy: rolling` (or the platform's switch). The companion is removed in every case.
import type { ServiceNames } from '../analysis/placeholders.js'
import type { Config } from '../config/types.js'
import type { DeployDeps } from '../deploy.js'
import { createAnalysisGate, defaultReaders, type AnalysisGate } from '../gates/analysis-gate.js'
import type { Log } from '../log.js'
import type { ReportRecorder } from '../report/report.js'
import type { CompanionTarget, Platform } from '../targets/platform.js'
import type { Capture } from '../targets/target.js'
import type { BlueGreenPlan } from './blue-green-plan.js'
import { formatCanarySteps, type CanaryPlan } from './canary-plan.js'
import { runRollout, type EngineDeps, type RolloutOutcome, type RolloutSettings } from './engine.js'
import { planRolling, type RolloutPlan } from './plan.js'

export interface ContextParts<C extends Capture = Capture> {
  platform: Platform<C>
  deps: DeployDeps
  recorder: ReportRecorder
  startedAt: number
}

export interface StrategyContext<C extends Capture = Capture> {
  capture: C
  previous: string
  release: string
  config: Config
  settings: RolloutSettings
  platform: Platform<C>
  engine: Omit<EngineDeps<C>, 'target' | 'analysis'>
  /** The metric gate for these service names, when metrics are configured. */
  gateFor(names: ServiceNames): AnalysisGate | undefined
}

/** The settings, engine parts and metric gate factory every strategy runs with, from the config. */
export function strategyContext<C extends Capture>(config: Config, capture: C, previous: string, release: string, parts: ContextParts<C>): StrategyContext<C> {
  const { deps, recorder } = parts
  const settings: RolloutSettings = {
    health: config.health,
    monitorMs: config.monitorMs,
    deadlineMs: config.deadlineMs,
    autoRollback: config.autoRollback,
    runDeadlineAt: parts.startedAt + config.timeoutMs
  }
  const analysis = config.analysis
  if (analysis) settings.analysis = { intervalMs: analysis.intervalMs, durationMs: analysis.durationMs, limits: analysis.limits }
  const readers = deps.metrics ?? defaultReaders
  const engine = { probe: deps.probe, clock: deps.clock, log: deps.log, recorder, ...(deps.signal ? { signal: deps.signal } : {}) }
  return {
    capture, previous, release, config, settings, platform: parts.platform, engine,
    gateFor: (names) => (analysis ? createAnalysisGate(analysis, names, readers) : undefined)
  }
}

export async function runRolling<C extends Capture>(plan: RolloutPlan, ctx: StrategyContext<C>): Promise<RolloutOutcome> {
  const gate = ctx.gateFor({ canary: ctx.capture.name, stable: ctx.capture.name })
  return runRollout(plan, ctx.capture, ctx.previous, ctx.settings, { ...ctx.engine, target: ctx.platform.stable, ...(gate ? { analysis: gate } : {}) })
}

/**
 * Canary steps up to the first pause (or all of them), then promotion. At a pause the run ends with
 * `paused`: the canary keeps running, labelled with what operation promote needs to go on.
 */
export async function runCanary<C extends Capture>(plan: CanaryPlan, ctx: StrategyContext<C>): Promise<RolloutOutcome> {
  const { capture, engine } = ctx
  const companion = ctx.platform.companion('canary')
  for (const warning of ctx.platform.warnings(capture, 'canary')) {
    engine.log.warning(warning)
    engine.recorder.report.warnings.push(warning)
  }
  const pauseAt = plan.steps.findIndex((s) => s.pauseAfter)
  const now = pauseAt < 0 ? plan.steps : plan.steps.slice(0, pauseAt + 1)
  const steps: RolloutPlan = {
    strategy: 'rolling',
    target: companion.name,
    from: ctx.previous,
    to: ctx.release,
    total: now.at(-1)?.replicas ?? 0,
    batchSize: 1,
    steps: now.map((s) => ({
      kind: 'batch',
      name: `canary ${s.index}/${s.of}: ${s.weight}% → ${s.replicas} replica(s) = ${s.share.toFixed(1)}% of traffic`,
      index: s.index,
      of: s.of,
      size: s.replicas,
      newReplicas: s.replicas,
      total: s.replicas
    }))
  }
  // Before anything changes: a service that holds the companion's name and is not ours stops the run.
  await companion.leftover()
  const gate = ctx.gateFor({ canary: companion.name, stable: capture.name })
  let keep: Keep = false
  try {
    const canary = await runRollout(steps, capture, ctx.previous, ctx.settings, { ...engine, target: companion, ...(gate ? { analysis: gate } : {}) })
    keep = canary.result === 'failed' && !ctx.settings.autoRollback ? 'failed' : false
    if (canary.result !== 'succeeded') return canary
    const paused = now.at(-1)
    if (paused?.pauseAfter) {
      keep = 'paused'
      await companion.markPaused(paused.index, formatCanarySteps(ctx.config.canarySteps), ctx.previous)
      engine.log.info(`Paused after canary step ${paused.index}/${paused.of}: ${companion.name} keeps running; run operation promote to go on, or abort`)
      return { result: 'paused', reason: `paused after canary step ${paused.index}/${paused.of}` }
    }
    engine.log.info(`Canary passed every step: promoting ${capture.name} to ${ctx.release}`)
    return await promote(ctx, planRolling({ target: capture.name, from: ctx.previous, to: ctx.release, total: capture.replicas, batch: ctx.config.batchSize }), ctx.settings.monitorMs)
  } finally {
    await cleanUp(companion, ctx, keep)
  }
}

export async function runBlueGreen<C extends Capture>(plan: BlueGreenPlan, ctx: StrategyContext<C>): Promise<RolloutOutcome> {
  const { capture, engine, config } = ctx
  const preview = ctx.platform.companion('preview')
  const start: RolloutPlan = {
    strategy: 'rolling',
    target: preview.name,
    from: ctx.previous,
    to: ctx.release,
    total: plan.replicas,
    batchSize: plan.replicas,
    steps: [{ kind: 'batch', name: `preview: ${plan.replicas} replica(s) as ${preview.name}`, index: 1, of: 1, size: plan.replicas, newReplicas: plan.replicas, total: plan.replicas }]
  }
  // Before the switch, the HTTP gate is the preview's own URL; without one, Docker health and metrics judge.
  const previewHealth = config.health && config.previewUrl ? { ...config.health, url: config.previewUrl } : undefined
  const { health: _health, ...withoutHealth } = ctx.settings
  const previewSettings: RolloutSettings = previewHealth ? { ...withoutHealth, health: previewHealth } : withoutHealth
  await preview.leftover()
  const gate = ctx.gateFor({ canary: preview.name, stable: capture.name })
  let keep: Keep = false
  try {
    const gated = await runRollout(start, capture, ctx.previous, previewSettings, { ...engine, target: preview, ...(gate ? { analysis: gate } : {}) })
    keep = gated.result === 'failed' && !ctx.settings.autoRollback ? 'failed' : false
    if (gated.result !== 'succeeded') return gated
    engine.log.info(`Preview passed its gates: switching ${capture.name} to ${ctx.release}`)
    return await promote(ctx, ctx.platform.switchPlan(plan), ctx.settings.monitorMs)
  } finally {
    await cleanUp(preview, ctx, keep)
  }
}

/** Why a companion is not removed at the end of its phase. */
type Keep = false | 'failed' | 'paused'

/** The stable workload's own rolling update, gated by health only (the metrics judged the companion). */
async function promote<C extends Capture>(ctx: StrategyContext<C>, plan: RolloutPlan, monitorMs: number): Promise<RolloutOutcome> {
  const { analysis: _analysis, ...settings } = ctx.settings
  return runRollout(plan, ctx.capture, ctx.previous, { ...settings, monitorMs }, { ...ctx.engine, target: ctx.platform.stable })
}

/** Removes the companion, unless a failed one is kept for inspection (auto-rollback off) or a canary paused. */
async function cleanUp<C extends Capture>(companion: CompanionTarget<C>, ctx: StrategyContext<C>, keep: Keep): Promise<void> {
  if (keep === 'paused') return
  if (keep === 'failed') {
    ctx.engine.log.warning(`auto-rollback is off: ${companion.name} is left running for inspection; the next run removes it`)
    return
  }
  await removeCompanion(companion, ctx.engine)
}

/** Removes the companion as a step of the report; a failure is logged, recorded and returned, not thrown. */
export async function removeCompanion(
  companion: Pick<CompanionTarget, 'name' | 'remove'>,
  { log, recorder }: { log: Log; recorder: ReportRecorder },
  stepName = `remove ${companion.name}`
): Promise<string | undefined> {
  const record = recorder.startStep(stepName)
  try {
    await companion.remove()
    recorder.endStep(record, 'passed')
    return undefined
  } catch (error) {
    const reason = `could not remove ${companion.name}: ${(error as Error).message}`
    log.error(reason)
    recorder.endStep(record, 'failed', reason)
    return reason
  }
}
