// Bringing a Swarm service back to one known release after a run was interrupted (the job was cancelled
// or the runner killed mid-rollout): remove the companion or job it may have left, and when the service
// is not on the release it ran before, put the captured spec back the way a revert does.
import type { Log } from '../log.js'
import { ReportRecorder } from '../report/report.js'
import { revert } from '../rollout/revert.js'
import type { RunState, SwarmRunState } from '../run-state.js'
import { COMPANION_OF_LABEL } from './companion-spec.js'
import type { RecoverDeps, Recovery } from './platform.js'
import { CANARY_PAUSED_LABEL } from './release-labels.js'
import { leftoverRunRecords } from './run-record.js'
import type { SwarmApi } from './swarm-api.js'
import { lockName, LOCK_RECORD_LABEL } from './deploy-lock.js'
import { parseLockLabel } from '../rollout/lock-decision.js'
import { containerSpec, ROLLOUT_LABEL } from './swarm-specs.js'
import { SwarmTarget } from './swarm-target.js'
import { onRelease } from '../release/release-ref.js'
import { removeLeftoverJobs } from './swarm-job.js'

/**
 * After taking over the deploy lock from a holder presumed dead: every run record it left on the
 * target is recovered like a post step would, then dropped.
 */
export async function recoverSwarmLeftovers(api: SwarmApi, service: string, deps: RecoverDeps): Promise<void> {
  // Any job of the service is a dead run's now that this run holds the lock (it may have no record yet).
  await removeLeftoverJobs(api, service, deps.log)
  for (const record of await leftoverRunRecords(api, service)) {
    if (record.state && record.state.phase !== 'finished') {
      deps.log.warning(`A run that held the deploy lock of ${service} stopped mid-rollout (to ${record.state.release}): recovering ${service} first`)
      if (record.state.platform === 'docker') throw new Error(`The run record of ${service} is of a plain Docker host, not of this Swarm`)
      const recovery = await recoverSwarmRun(api, record.state, deps)
      if (recovery === 'not recovered') throw new Error(`${service} could not be brought back to ${record.state.previous} after an interrupted run; check it by hand`)
    }
    await api.removeConfig(record.id)
  }
}

export async function recoverSwarmRun(api: SwarmApi, state: SwarmRunState, deps: RecoverDeps): Promise<Recovery> {
  const { log } = deps
  // A pre-deploy or post-deploy job the run was waiting for: it must not go on, nor be left.
  let changed = (await removeLeftoverJobs(api, state.service, log, state.lockToken)) > 0
  if (state.companion) {
    const companion = await api.find(state.companion)
    const labels = companion?.Spec?.Labels ?? {}
    // A canary paused on purpose is left for promote or abort; one left mid-step is removed.
    if (companion && labels[COMPANION_OF_LABEL] === state.service && !labels[CANARY_PAUSED_LABEL]) {
      log.warning(`Removing ${state.companion}, left by the interrupted run`)
      await api.remove(state.companion)
      changed = true
    }
  }

  const service = await api.find(state.service)
  if (!service?.Spec) {
    log.warning(`Service '${state.service}' no longer exists: nothing to recover`)
    return changed ? 'recovered' : 'nothing to do'
  }
  const image = containerSpec(service.Spec)?.Image
  const labels = containerSpec(service.Spec)?.Labels
  const marked = service.Spec.Labels?.[ROLLOUT_LABEL] !== undefined
  if (!marked && (onRelease(image, labels, state.previous) || onRelease(image, labels, state.release))) {
    // Not mid-rollout (a completed rollout is on the new release, settings restored): only the
    // interrupted run's deploy lock may be left, which would make the next run wait for it to expire.
    if (onRelease(image, labels, state.release)) log.info(`${state.service} already runs the new release ${state.release}; nothing to undo`)
    return (await releaseLock(api, state, log)) || changed ? 'recovered' : 'nothing to do'
  }

  log.warning(`${state.service} was left part-way through the rollout (${marked ? `marked ${service.Spec.Labels?.[ROLLOUT_LABEL]}` : image}); putting ${state.previous} back`)
  const target = new SwarmTarget(api, state.service, log)
  const capture = await target.captureForRecovery(state.spec)
  const recorder = new ReportRecorder(() => deps.clock.now())
  const settings = { monitorMs: 0, deadlineMs: 120_000, autoRollback: true, runDeadlineAt: deps.clock.now() + 600_000 }
  const reverted = await revert(capture, state.previous, settings, { target, probe: deps.probe, clock: deps.clock, log, recorder })
  if (!reverted.ok) log.warning(`The recovery did not converge: ${reverted.reason}`)
  else await releaseLock(api, state, log)
  return reverted.ok ? 'recovered' : 'not recovered'
}

/** Removes the interrupted run's deploy lock, when it is still that run's (else it goes stale by itself). */
export async function releaseLock(api: SwarmApi, state: RunState, log: Log): Promise<boolean> {
  const lock = await api.findConfig(lockName(state.service))
  if (!lock || !state.lockToken || parseLockLabel(lock.Spec?.Labels?.[LOCK_RECORD_LABEL])?.token !== state.lockToken) return false
  await api.removeConfig(lock.ID)
  log.info(`Released the deploy lock the interrupted run held on ${state.service}`)
  return true
}
