// The part of a deploy that changes the service, run under the deploy lock: plan, save the run's state
// for the post step, open the GitHub Deployment, run pre-deploy, the strategy and (after a success)
// post-deploy, and close both whatever happens.
import { userInfo, hostname } from 'node:os'
import type { Config } from '../config/types.js'
import type { RunStateBase } from '../run-state.js'
import { companionName } from '../targets/companion-spec.js'
import type { PlatformKind } from '../targets/platform.js'
import type { Capture } from '../targets/target.js'
import { planBlueGreen } from './blue-green-plan.js'
import { planCanary } from './canary-plan.js'
import type { RolloutOutcome } from './engine.js'
import { planRolling } from './plan.js'
import { describeAnyPlan, type AnyPlan } from './plans.js'
import { runBlueGreen, runCanary, runRolling, strategyContext, type ContextParts } from './progressive.js'
import { postDeploy, preDeploy } from './release-jobs.js'
import { imageOf } from '../release/release-ref.js'

export function planFor(config: Config, capture: Capture, from: string, to: string, kind: PlatformKind): AnyPlan {
  const target = capture.name
  if (capture.replicas === 0) {
    // A first deploy on a plain host: nothing runs yet to compare a canary or a preview with.
    return planRolling({ target, from, to, total: config.plainHost.replicas, batch: config.batchSize })
  }
  if (config.strategy === 'canary') {
    return planCanary({ target, canary: companionName(target, 'canary'), from, to, stable: capture.replicas, steps: config.canarySteps })
  }
  if (config.strategy === 'blue-green') {
    return planBlueGreen({ target, from, to, replicas: capture.replicas, scaleDownDelayMs: config.scaleDownDelayMs, ...(kind === 'docker' ? { switchBy: 'alias' as const } : {}) })
  }
  return planRolling({ target, from, to, total: capture.replicas, batch: config.batchSize })
}

/** Runs `work` holding the service's deploy lock (see the platform's lock), and always lets it go. */
export async function withDeployLock<T, C extends Capture>(config: Config, parts: ContextParts<C>, work: (lockToken: string) => Promise<T>): Promise<T> {
  const { deps, platform } = parts
  const service = config.service ?? ''
  const lock = platform.lock(service, deps.clock, deps.log)
  const owner = deps.lockOwner ?? `${safeUser()}@${hostname()} (pid ${process.pid})`
  const tookOver = await lock.acquire({ owner, timeoutMs: config.lockTimeoutMs, force: config.forceUnlock }, deps.signal)
  // A holder presumed dead may have left the service part-way: bring it back before going on.
  if (tookOver) await platform.recoverLeftovers(service, deps).catch(async (error: unknown) => {
    await lock.release()
    throw error
  })
  try {
    return await work(lock.token)
  } finally {
    await lock.release()
  }
}

export async function rollOut<C extends Capture>(
  config: Config,
  capture: C,
  previous: string,
  release: string,
  parts: ContextParts<C>,
  lockToken: string
): Promise<RolloutOutcome> {
  const { deps, recorder, platform } = parts
  const plan = planFor(config, capture, previous, release, platform.kind)
  recorder.report.plan = plan
  for (const line of describeAnyPlan(plan)) deps.log.info(line)

  const companion = plan.strategy === 'rolling' ? undefined : companionName(capture.name, plan.strategy === 'canary' ? 'canary' : 'preview')
  const base: RunStateBase = { phase: 'started', service: capture.name, previous, release, lockToken, ...(companion ? { companion } : {}) }
  const state = platform.runState(capture, base)
  deps.checkpoint?.(state)
  await platform.saveRunRecord(state)
  await deps.deployments?.start(`${plan.strategy} of ${capture.name} to ${release}`, { service: capture.name, image: imageOf(release), previous: imageOf(previous), strategy: plan.strategy })
  let outcome: RolloutOutcome = { result: 'failed', reason: 'the rollout stopped on an error' }
  let finished = `${capture.name} runs ${release}`
  try {
    // Before any replica is replaced; a failure stops the run with nothing to revert.
    const pre = await preDeploy(config, capture, release, parts, lockToken)
    if (!pre.ok) {
      outcome = { result: 'failed', reason: `${pre.reason}. Nothing was rolled out: ${capture.name} still runs ${previous}` }
      return outcome
    }
    // The job's time is its own (pre-deploy-timeout): the rollout keeps its whole timeout.
    const ctx = strategyContext(config, capture, previous, release, { ...parts, startedAt: parts.startedAt + pre.durationMs })
    if (plan.strategy === 'canary') outcome = await runCanary(plan, ctx)
    else if (plan.strategy === 'blue-green') outcome = await runBlueGreen(plan, ctx)
    else outcome = await runRolling(plan, ctx)
    if (outcome.result === 'succeeded') {
      const post = await afterRollout(config, parts, lockToken)
      if (post) finished += `; ${post}`
    }
  } finally {
    deps.checkpoint?.({ ...state, phase: 'finished' })
    await platform.dropRunRecord(capture.name, lockToken).catch((error: unknown) => deps.log.warning(`Could not remove this run's record on the target: ${(error as Error).message}`))
    if (outcome.result !== 'paused') await deps.deployments?.finish(outcome.result, outcome.reason ?? finished)
  }
  return outcome
}

/**
 * post-deploy, once the release passed its gates and runs everywhere. Its failure does not revert the
 * release (its gates passed, and a contract step may have half run): it is a warning, the report says
 * so and the output post-deploy is failed. Returns that warning, if any.
 */
export async function afterRollout<C extends Capture>(config: Config, parts: ContextParts<C>, lockToken: string): Promise<string | undefined> {
  const post = await postDeploy(config, parts, lockToken)
  if (post.ok) return undefined
  const warning = `post-deploy failed: ${post.reason}. The release stays: it passed its gates and is not reverted; fix what post-deploy should have done by hand or in the next release`
  parts.deps.log.warning(warning)
  parts.recorder.report.warnings.push(warning)
  return warning
}

function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'someone'
  }
}
