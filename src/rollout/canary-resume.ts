// operation promote / abort: act on a canary that an earlier run left paused at a `pause` step. What
// that run knew is recorded with the canary itself (its release, the plan, where it stopped, the release
// to go back to), so this needs nothing from that run but the service name.
import { InputError } from '../config/input-error.js'
import type { Config } from '../config/types.js'
import { companionName } from '../targets/companion-spec.js'
import type { CompanionTarget, PausedCanary } from '../targets/platform.js'
import type { Capture } from '../targets/target.js'
import { changeBetween, describeDiff, diffConfig, maskDiff, secretValues } from '../release/config-change.js'
import { imageOf } from '../release/release-ref.js'
import { parseCanarySteps, planCanary } from './canary-plan.js'
import type { RolloutOutcome } from './engine.js'
import { removeCompanion, runCanary, strategyContext, type ContextParts } from './progressive.js'

/**
 * The canary an operation promote/abort acts on, checked before anything is locked or changed: it must
 * exist and be ours, and for promote it must be paused at a pause step.
 */
export async function pausedCanary(operation: 'promote' | 'abort', service: string, companion: CompanionTarget): Promise<PausedCanary> {
  const name = companionName(service, 'canary')
  const found = await companion.paused()
  if (!found) {
    throw new InputError('operation', operation, `a paused canary to ${operation}, but service '${name}' does not exist`)
  }
  if (operation === 'promote' && (!found.previous || found.index === undefined)) {
    throw new InputError('operation', operation, `a canary paused at a pause step, but '${name}' is not paused (left by an interrupted run?): run deploy again, or abort`)
  }
  return found
}

export async function resumeCanary<C extends Capture>(
  operation: 'promote' | 'abort',
  capture: C,
  config: Config,
  ctx: ContextParts<C>
): Promise<RolloutOutcome & { release?: string }> {
  const { log } = ctx.deps
  const name = companionName(capture.name, 'canary')
  const companion = ctx.platform.companion('canary')
  const found = await pausedCanary(operation, capture.name, companion)
  // The canary's release: its image and identity; its env/labels change is what it differs in from the workload.
  const release = found.release
  if (operation === 'abort') {
    const aborted = release ? { release } : {}
    const failed = await removeCompanion(companion, { log, recorder: ctx.recorder }, `abort: remove ${name}`)
    if (failed) return { result: 'failed', reason: failed, ...aborted }
    log.info(`${name} removed; ${capture.name} was never changed and still runs ${capture.image}`)
    return { result: 'rolled-back', reason: 'the canary was aborted (operation abort)', ...aborted }
  }

  const paused = found.index ?? 0
  const previous = found.previous ?? ''
  if (!release) throw new Error(`'${name}' has no image`)
  // The plan the paused run was given, not this run's canary-steps: promote goes on where it stopped.
  const steps = parseCanarySteps(found.steps ?? '')
  const plan = planCanary({ target: capture.name, canary: name, from: previous, to: release, stable: capture.replicas, steps })
  ctx.recorder.report.plan = plan
  ctx.recorder.report.previousImage = imageOf(previous)
  log.info(`Resuming the canary of ${capture.name} after step ${paused}/${plan.steps.length}: ${release}`)
  const diff = found.config ? diffConfig(capture.config, found.config) : undefined
  const change = found.config ? changeBetween(capture.config, found.config) : undefined
  const changed = change && (change.env.length || change.labels.length) ? change : undefined
  if (diff && changed) {
    for (const secret of secretValues(diff)) log.setSecret(secret)
    ctx.recorder.report.config = maskDiff(diff)
    for (const line of describeDiff(diff)) log.info(`  ${line}`)
  }
  const remaining = { ...plan, steps: plan.steps.filter((s) => s.index > paused) }
  const parts = { ...ctx, platform: ctx.platform.withChange(changed) }
  const outcome = await runCanary(remaining, strategyContext({ ...config, canarySteps: steps }, capture, previous, release, parts))
  return { ...outcome, release }
}
