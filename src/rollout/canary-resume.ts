// operation promote / abort: act on a canary that an earlier run left paused at a `pause` step. What
// that run knew is on the canary service itself (its release, the plan, where it stopped, the release to
// go back to), so this needs nothing from that run but the service name.
import { InputError } from '../config/input-error.js'
import type { Config } from '../config/types.js'
import { COMPANION_OF_LABEL, companionName } from '../targets/companion-spec.js'
import { CANARY_PAUSED_LABEL, CANARY_PREVIOUS_LABEL, CANARY_STEPS_LABEL } from '../targets/release-labels.js'
import { containerSpec, type SwarmCapture } from '../targets/swarm-target.js'
import { SwarmCompanion } from '../targets/swarm-companion.js'
import { parseCanarySteps, planCanary } from './canary-plan.js'
import type { RolloutOutcome } from './engine.js'
import { runCanary, strategyContext, type ContextParts } from './progressive.js'

export async function resumeCanary(
  operation: 'promote' | 'abort',
  capture: SwarmCapture,
  config: Config,
  ctx: ContextParts
): Promise<RolloutOutcome & { release?: string }> {
  const { log } = ctx.deps
  const name = companionName(capture.name, 'canary')
  const companion = new SwarmCompanion(ctx.api, ctx.stable, capture.name, 'canary', log)
  const service = await companion.leftover()
  const labels = service?.Spec?.Labels ?? {}
  if (!service || labels[COMPANION_OF_LABEL] !== capture.name) {
    throw new InputError('operation', operation, `a paused canary to ${operation}, but service '${name}' does not exist`)
  }
  const release = service.Spec ? containerSpec(service.Spec)?.Image : undefined
  if (operation === 'abort') {
    const record = ctx.recorder.startStep(`abort: remove ${name}`)
    await companion.remove()
    ctx.recorder.endStep(record, 'passed')
    log.info(`${name} removed; ${capture.name} was never changed and still runs ${capture.image}`)
    return { result: 'rolled-back', reason: 'the canary was aborted (operation abort)', ...(release ? { release } : {}) }
  }

  const paused = Number(labels[CANARY_PAUSED_LABEL])
  const previous = labels[CANARY_PREVIOUS_LABEL]
  if (!release || !previous || !Number.isInteger(paused) || paused < 1) {
    throw new InputError('operation', operation, `a canary paused at a pause step, but '${name}' is not paused (left by an interrupted run?): run deploy again, or abort`)
  }
  // The plan the paused run was given, not this run's canary-steps: promote goes on where it stopped.
  const steps = parseCanarySteps(labels[CANARY_STEPS_LABEL] ?? '')
  const plan = planCanary({ target: capture.name, canary: name, from: previous, to: release, stable: capture.replicas, steps })
  ctx.recorder.report.plan = plan
  ctx.recorder.report.previousImage = previous
  log.info(`Resuming the canary of ${capture.name} after step ${paused}/${plan.steps.length}: ${release}`)
  const remaining = { ...plan, steps: plan.steps.filter((s) => s.index > paused) }
  const outcome = await runCanary(remaining, strategyContext({ ...config, canarySteps: steps }, capture, previous, release, ctx))
  return { ...outcome, release }
}
