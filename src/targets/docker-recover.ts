// Bringing a plain host's service back to one release after a run was interrupted (the job cancelled,
// the runner killed): from the run's saved state, the containers that served before are either still
// there (then they are brought back, the way a revert does) or already removed by a rollout that got
// past its gates (then it is finished). A canary left mid-step is removed; a paused one is kept.
import { ReportRecorder } from '../report/report.js'
import { revert } from '../rollout/revert.js'
import type { DockerRunState } from '../run-state.js'
import { firstTemplate } from './container-spec.js'
import type { DockerCanary } from './docker-companion.js'
import { removeLeftoverDockerJobs } from './docker-job.js'
import type { DockerCapture, DockerTarget } from './docker-target.js'
import { isServing, SERVICE_LABEL } from './docker-workload.js'
import type { RecoverDeps, Recovery } from './platform.js'

export interface RecoveryFacts {
  /** Containers that served before the run (none for a first deploy). */
  captured: number
  /** Of those, how many still exist, and how many serve under the alias. */
  capturedLeft: number
  capturedServing: number
  /** Every other container of the service, and how many of them serve. */
  others: number
  othersServing: number
}

export type RecoveryAction = 'nothing' | 'revert' | 'finish'

/** What an interrupted run's leftovers call for. Pure. */
export function recoveryAction(f: RecoveryFacts): RecoveryAction {
  // A first deploy: what serves is the only release there is; what does not serve goes.
  if (f.captured === 0) return f.others === f.othersServing ? 'nothing' : 'revert'
  // The old containers are removed only after every gate passed: the run got that far.
  if (f.capturedLeft === 0) return 'finish'
  if (f.capturedLeft < f.captured && f.capturedServing === 0 && f.othersServing > 0) return 'finish'
  if (f.capturedServing === f.captured && f.others === 0) return 'nothing'
  return 'revert'
}

export async function recoverDockerRun(stable: DockerTarget, canary: DockerCanary, state: DockerRunState, deps: RecoverDeps): Promise<Recovery> {
  const { log } = deps
  // A pre-deploy or post-deploy job the run was waiting for: it must not go on, nor be left (only the
  // run's own: without its token, a job may be another run's).
  let changed = state.lockToken ? (await removeLeftoverDockerJobs(stable.fleet.api, state.service, log, state.lockToken)) > 0 : false
  if (state.companion && !(await canary.paused())?.index && (await canary.leftover())) {
    log.warning(`Removing ${state.companion}, left by the interrupted run`)
    await canary.remove()
    changed = true
  }
  const found = await stable.fleet.api.network(state.network)
  if (!found) {
    log.warning(`Network ${state.network} of ${state.service} no longer exists: nothing to recover`)
    return changed ? 'recovered' : 'nothing to do'
  }
  const network = { id: found.id, name: found.name }
  const views = await stable.fleet.views({ [SERVICE_LABEL]: state.service }, network)
  const captured = views.filter((c) => state.containers.includes(c.id))
  const others = views.filter((c) => !state.containers.includes(c.id))
  const action = recoveryAction({
    captured: state.containers.length,
    capturedLeft: captured.length,
    capturedServing: captured.filter((c) => isServing(c, state.alias)).length,
    others: others.length,
    othersServing: others.filter((c) => isServing(c, state.alias)).length
  })
  if (action === 'nothing') return changed ? 'recovered' : 'nothing to do'
  if (action === 'finish') {
    const gone = views.filter((c) => !isServing(c, state.alias))
    log.info(`${state.service} already serves the new release ${state.release}; removing what the interrupted run left: ${gone.map((c) => c.name).join(', ') || 'nothing'}`)
    await stable.fleet.discard(gone, network, state.alias, true)
    return 'recovered'
  }
  log.warning(`${state.service} was left part-way through the rollout: putting ${state.previous || 'nothing (it was a first deploy)'} back`)
  const capture: DockerCapture = {
    id: state.service,
    name: state.service,
    image: state.previous,
    replicas: state.containers.length,
    facts: {},
    network,
    alias: state.alias,
    aliases: state.aliases.length ? state.aliases : [state.alias],
    containers: state.containers,
    ...(captured[0] ? { imageId: captured[0].imageId } : {}),
    // A revert starts the captured containers again: it creates nothing from the template or config.
    template: firstTemplate(network.name, []),
    config: { env: [], labels: {} }
  }
  const recorder = new ReportRecorder(() => deps.clock.now())
  const settings = { monitorMs: 0, deadlineMs: 120_000, autoRollback: true, runDeadlineAt: deps.clock.now() + 600_000 }
  const reverted = await revert(capture, state.previous, settings, { target: stable, probe: deps.probe, clock: deps.clock, log, recorder })
  if (!reverted.ok) log.warning(`The recovery did not converge: ${reverted.reason}`)
  return reverted.ok ? 'recovered' : 'not recovered'
}
