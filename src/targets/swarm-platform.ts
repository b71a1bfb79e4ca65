// Swarm services as a platform: the service (SwarmTarget), its companions (SwarmCompanion), the deploy
// lock and run records as Swarm configs, and the recovery of an interrupted run.
import type Docker from 'dockerode'
import type { ConfigChange, Strategy } from '../config/types.js'
import type { JobRunner } from '../jobs/job.js'
import type { Log } from '../log.js'
import { switchInWaves, type BlueGreenPlan } from '../rollout/blue-green-plan.js'
import type { Clock } from '../rollout/clock.js'
import type { RolloutPlan } from '../rollout/plan.js'
import type { RunState, RunStateBase } from '../run-state.js'
import { canaryReachWarning, type CompanionRole } from './companion-spec.js'
import type { CompanionTarget, DeployLock, Platform, RecoverDeps, Recovery } from './platform.js'
import { dropRunRecord, saveRunRecord } from './run-record.js'
import { SwarmApi } from './swarm-api.js'
import { SwarmCompanion } from './swarm-companion.js'
import { SwarmJobRunner } from './swarm-job.js'
import { containerConfig, containerSpec, setRelease } from './release-spec.js'
import { dropRiskWarnings, type DropRiskFacts } from '../rollout/drop-risks.js'
import type { SwarmPreStop } from './swarm-pre-stop.js'
import { SwarmLock } from './swarm-lock.js'
import { recoverSwarmLeftovers, recoverSwarmRun } from './swarm-recover.js'
import { SwarmTarget, type SwarmCapture } from './swarm-target.js'

export class SwarmPlatform implements Platform<SwarmCapture> {
  readonly kind = 'swarm' as const
  readonly api: SwarmApi
  readonly stable: SwarmTarget

  constructor(
    private readonly docker: Docker,
    private readonly service: string,
    private readonly log: Log,
    private readonly clock: Clock,
    private readonly registryAuth?: string,
    /**
     * pre-stop: run in each old replica once Swarm starts its replacement, and in a canary's tasks before
     * it is removed (then drainMs waited); shared by every copy of this platform.
     */
    private readonly preStop?: { runner: SwarmPreStop; drainMs: number },
    readonly change?: ConfigChange
  ) {
    this.api = new SwarmApi(docker, log, registryAuth)
    this.stable = new SwarmTarget(this.api, service, log, change, preStop?.runner)
  }

  withChange(change: ConfigChange | undefined): SwarmPlatform {
    return new SwarmPlatform(this.docker, this.service, this.log, this.clock, this.registryAuth, this.preStop, change)
  }

  dropRisks(capture: SwarmCapture, facts: Omit<DropRiskFacts, 'stopGraceMs'>): string[] {
    const graceNs = containerSpec(capture.spec)?.StopGracePeriod
    return dropRiskWarnings('swarm', { ...facts, stopGraceMs: graceNs === undefined ? undefined : Math.round(graceNs / 1e6) })
  }

  async settled(): Promise<void> {
    await this.preStop?.runner.settled()
  }

  /** A replicated-job service cloned from the service's spec (with the release put in, when given). */
  jobRunner(capture: SwarmCapture, runToken: string, release?: string): { runner: JobRunner; env: readonly string[] } {
    const spec = structuredClone(capture.spec)
    if (release) setRelease(spec, release, this.change)
    return { runner: new SwarmJobRunner(this.api, this.service, spec, runToken, this.clock, this.log), env: containerConfig(spec).env }
  }

  companion(role: CompanionRole): CompanionTarget<SwarmCapture> {
    const drain = this.preStop ? { preStop: this.preStop.runner, drainMs: this.preStop.drainMs, clock: this.clock } : undefined
    return new SwarmCompanion(this.api, this.stable, this.service, role, this.log, drain)
  }

  switchPlan(plan: BlueGreenPlan): RolloutPlan {
    return switchInWaves(plan)
  }

  warnings(capture: SwarmCapture, strategy: Strategy): string[] {
    const reach = strategy === 'canary' ? canaryReachWarning(capture.spec, capture.name) : undefined
    return reach ? [reach] : []
  }

  lock(service: string, clock: Clock, log: Log): DeployLock {
    return new SwarmLock(this.api, service, clock, log)
  }

  runState(capture: SwarmCapture, base: RunStateBase): RunState {
    return { ...base, spec: capture.spec }
  }

  saveRunRecord(state: RunState): Promise<void> {
    return saveRunRecord(this.api, state)
  }

  dropRunRecord(service: string, token: string | undefined): Promise<void> {
    return dropRunRecord(this.api, service, token)
  }

  recoverLeftovers(service: string, deps: RecoverDeps): Promise<void> {
    return recoverSwarmLeftovers(this.api, service, deps)
  }

  async recoverInterrupted(state: RunState, deps: RecoverDeps): Promise<Recovery> {
    if (state.platform === 'docker') throw new Error(`The saved state of ${state.service} is of a plain Docker host, not of a Swarm service`)
    return recoverSwarmRun(this.api, state, deps)
  }
}
