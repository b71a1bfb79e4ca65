// operation promote / abort: act on a canary that an earlier run left paused at a `pause` step. What
// that run knew is on the canary service itself (its release, the plan, where it stopped, the release to
// go back to), so this needs nothing from that run but the service name.
import type Docker from 'dockerode'
import { InputError } from '../config/input-error.js'
import type { Config } from '../config/types.js'
import { COMPANION_OF_LABEL, companionName } from '../targets/companion-spec.js'
import { CANARY_PAUSED_LABEL, CANARY_PREVIOUS_LABEL, CANARY_STEPS_LABEL } from '../targets/release-labels.js'
import { containerSpec } from '../targets/swarm-specs.js'
import type { SwarmCapture } from '../targets/swarm-target.js'
import { changeFromSpecs, containerConfig, specRelease } from '../targets/release-spec.js'
import { describeDiff, diffConfig, maskDiff, secretValues } from '../release/config-change.js'
import { imageOf } from '../release/release-ref.js'
import { SwarmCompanion } from '../targets/swarm-companion.js'
import { parseCanarySteps, planCanary } from './canary-plan.js'
import type { RolloutOutcome } from './engine.js'
import { removeCompanion, runCanary, strategyContext, type ContextParts } from './progressive.js'

/**
 * The canary an operation promote/abort acts on, checked before anything is locked or changed: it must
 * exist and be ours, and for promote it must be paused at a pause step.
 */
export async function pausedCanary(operation: 'promote' | 'abort', service: string, companion: SwarmCompanion): Promise<Docker.Service> {
  const name = companionName(service, 'canary')
  const found = await companion.leftover()
  if (!found || found.Spec?.Labels?.[COMPANION_OF_LABEL] !== service) {
    throw new InputError('operation', operation, `a paused canary to ${operation}, but service '${name}' does not exist`)
  }
  const labels = found.Spec?.Labels ?? {}
  const paused = Number(labels[CANARY_PAUSED_LABEL])
  if (operation === 'promote' && (!labels[CANARY_PREVIOUS_LABEL] || !Number.isInteger(paused) || paused < 1)) {
    throw new InputError('operation', operation, `a canary paused at a pause step, but '${name}' is not paused (left by an interrupted run?): run deploy again, or abort`)
  }
  return found
}

export async function resumeCanary(
  operation: 'promote' | 'abort',
  capture: SwarmCapture,
  config: Config,
  ctx: ContextParts
): Promise<RolloutOutcome & { release?: string }> {
  const { log } = ctx.deps
  const name = companionName(capture.name, 'canary')
  const companion = new SwarmCompanion(ctx.api, ctx.stable, capture.name, 'canary', log)
  const service = await pausedCanary(operation, capture.name, companion)
  const labels = service.Spec?.Labels ?? {}
  // The canary's release: its image and identity; its env/labels change is what it differs in from the service.
  const release = service.Spec && containerSpec(service.Spec)?.Image ? specRelease(service.Spec) : undefined
  if (operation === 'abort') {
    const aborted = release ? { release } : {}
    const failed = await removeCompanion(companion, { log, recorder: ctx.recorder }, `abort: remove ${name}`)
    if (failed) return { result: 'failed', reason: failed, ...aborted }
    log.info(`${name} removed; ${capture.name} was never changed and still runs ${capture.image}`)
    return { result: 'rolled-back', reason: 'the canary was aborted (operation abort)', ...aborted }
  }

  const paused = Number(labels[CANARY_PAUSED_LABEL])
  const previous = labels[CANARY_PREVIOUS_LABEL] ?? ''
  if (!release) throw new Error(`'${name}' has no image in its spec`)
  // The plan the paused run was given, not this run's canary-steps: promote goes on where it stopped.
  const steps = parseCanarySteps(labels[CANARY_STEPS_LABEL] ?? '')
  const plan = planCanary({ target: capture.name, canary: name, from: previous, to: release, stable: capture.replicas, steps })
  ctx.recorder.report.plan = plan
  ctx.recorder.report.previousImage = imageOf(previous)
  log.info(`Resuming the canary of ${capture.name} after step ${paused}/${plan.steps.length}: ${release}`)
  const change = changeFromSpecs(capture.spec, service.Spec ?? {})
  if (change) {
    const diff = diffConfig(containerConfig(capture.spec), containerConfig(service.Spec ?? {}))
    for (const secret of secretValues(diff)) log.setSecret(secret)
    ctx.recorder.report.config = maskDiff(diff)
    for (const line of describeDiff(diff)) log.info(`  ${line}`)
  }
  const remaining = { ...plan, steps: plan.steps.filter((s) => s.index > paused) }
  const parts = { ...ctx, stable: ctx.stable.withChange(change) }
  const outcome = await runCanary(remaining, strategyContext({ ...config, canarySteps: steps }, capture, previous, release, parts))
  return { ...outcome, release }
}
