// Plain containers on one Docker host as a platform: the workload (DockerTarget), its canary and
// preview, the deploy lock and run records as never-started containers, and the recovery of an
// interrupted run. Containers that are never started still need an image: one already on the host
// (the service's own, or the release once pulled) is used, so nothing is pulled for them.
import type Docker from 'dockerode'
import type { PlatformConfig } from '../config/parse-platform.js'
import type { ConfigChange, Strategy } from '../config/types.js'
import type { JobRunner } from '../jobs/job.js'
import type { Log } from '../log.js'
import { switchInOneStep, type BlueGreenPlan } from '../rollout/blue-green-plan.js'
import type { Clock } from '../rollout/clock.js'
import { dropRiskWarnings, type DropRiskFacts } from '../rollout/drop-risks.js'
import type { RolloutPlan } from '../rollout/plan.js'
import type { RunState, RunStateBase } from '../run-state.js'
import { imageOf } from '../release/release-ref.js'
import { COMPANION_OF_LABEL, type CompanionRole } from './companion-spec.js'
import { DockerApi } from './docker-api.js'
import { DockerCanary, DockerPreview } from './docker-companion.js'
import { DockerJobRunner, removeLeftoverDockerJobs } from './docker-job.js'
import { Fleet } from './docker-fleet.js'
import { DockerLock, lockContainerName, readLock } from './docker-lock.js'
import { recoverDockerRun } from './docker-recover.js'
import { dropDockerRunRecord, leftoverDockerRunRecords, saveDockerRunRecord } from './docker-run-record.js'
import { DockerTarget, type DockerCapture } from './docker-target.js'
import { SERVICE_LABEL } from './docker-workload.js'
import type { CompanionTarget, DeployLock, Platform, RecoverDeps, Recovery } from './platform.js'

export interface DockerPlatformOptions extends Pick<PlatformConfig, 'platform' | 'drainMs' | 'preStop' | 'plainHost'> {
  deadlineMs: number
  /** The env/labels edits of the release being rolled out (a config release). */
  change?: ConfigChange
  clock: Clock
  log: Log
  registryAuth?: string
}

/** What every copy of a platform (withChange) shares: one connection and one fleet. */
interface Shared {
  api: DockerApi
  /** Knows which networks keep a drained container's address (found once, with a probe container). */
  fleet: Fleet
  /** The release prepare() pulled: an image on the host even before any container runs it. */
  release?: string
}

export class DockerPlatform implements Platform<DockerCapture> {
  readonly kind = 'docker' as const
  readonly api: DockerApi
  readonly fleet: Fleet
  readonly stable: DockerTarget
  private readonly shared: Shared

  constructor(
    private readonly docker: Docker,
    private readonly service: string,
    private readonly options: DockerPlatformOptions,
    shared?: Shared
  ) {
    this.shared = shared ?? DockerPlatform.share(docker, options)
    this.api = this.shared.api
    this.fleet = this.shared.fleet
    this.stable = new DockerTarget(this.fleet, service, {
      platform: options.platform,
      plainHost: options.plainHost,
      ...(options.change ? { change: options.change } : {})
    })
  }

  private static share(docker: Docker, options: DockerPlatformOptions): Shared {
    const api = new DockerApi(docker, options.log, options.registryAuth)
    const fleet = new Fleet(api, {
      drainMs: options.drainMs,
      deadlineMs: options.deadlineMs,
      clock: options.clock,
      log: options.log,
      ...(options.preStop ? { preStop: options.preStop } : {})
    })
    return { api, fleet }
  }

  get change(): ConfigChange | undefined {
    return this.options.change
  }

  withChange(change: ConfigChange | undefined): DockerPlatform {
    const { change: _old, ...options } = this.options
    return new DockerPlatform(this.docker, this.service, change ? { ...options, change } : options, this.shared)
  }

  dropRisks(capture: DockerCapture, facts: Omit<DropRiskFacts, 'stopGraceMs'>): string[] {
    // StopTimeout is in seconds; a new container gets the old one's (cloned), else Docker's default.
    const timeout = (capture.template.config as { StopTimeout?: number }).StopTimeout
    return dropRiskWarnings('docker', { ...facts, stopGraceMs: timeout === undefined || timeout === null ? undefined : timeout * 1000 })
  }

  /** A one-off container from the workload's template (with the release's image and env, when given). */
  jobRunner(capture: DockerCapture, runToken: string, release?: string): { runner: JobRunner; env: readonly string[] } {
    const template = release ? this.stable.releaseTemplate(capture, release) : capture.template
    const image = release ? imageOf(release) : capture.image
    if (!image) throw new Error(`${capture.name} runs no release to run a job from`)
    return { runner: new DockerJobRunner(this.api, this.service, template, image, runToken, this.options.clock, this.options.log), env: template.config.Env ?? [] }
  }

  /** Pulls the release before the lock is taken: nothing about the service changes, and it is then on the host. */
  async prepare(release: string): Promise<void> {
    await this.api.pull(release)
    this.shared.release = release
  }

  companion(role: CompanionRole): CompanionTarget<DockerCapture> {
    return role === 'canary' ? new DockerCanary(this.stable, this.fleet, this.service) : new DockerPreview(this.stable, this.fleet, this.service)
  }

  switchPlan(plan: BlueGreenPlan): RolloutPlan {
    return switchInOneStep(plan)
  }

  warnings(): string[] {
    return []
  }

  lock(service: string, clock: Clock, log: Log): DeployLock {
    return new DockerLock(this.api, service, clock, log, () => this.anchorImage())
  }

  runState(capture: DockerCapture, base: RunStateBase): RunState {
    return { ...base, platform: 'docker', network: capture.network.name, alias: capture.alias, aliases: capture.aliases, containers: capture.containers }
  }

  async saveRunRecord(state: RunState): Promise<void> {
    await saveDockerRunRecord(this.api, state, await this.anchorImage())
  }

  dropRunRecord(service: string, token: string | undefined): Promise<void> {
    return dropDockerRunRecord(this.api, service, token)
  }

  async recoverLeftovers(service: string, deps: RecoverDeps): Promise<void> {
    // Any job of the service is a dead run's now that this run holds the lock (it may have no record yet).
    await removeLeftoverDockerJobs(this.api, service, deps.log)
    for (const record of await leftoverDockerRunRecords(this.api, service)) {
      if (record.state && record.state.phase !== 'finished') {
        deps.log.warning(`A run that held the deploy lock of ${service} stopped mid-rollout (to ${record.state.release}): recovering ${service} first`)
        const recovery = await this.recoverInterrupted(record.state, deps)
        if (recovery === 'not recovered') throw new Error(`${service} could not be brought back to ${record.state.previous} after an interrupted run; check it by hand`)
      }
      await this.api.remove(record.id)
    }
  }

  async recoverInterrupted(state: RunState, deps: RecoverDeps): Promise<Recovery> {
    if (state.platform !== 'docker') throw new Error(`The saved state of ${state.service} is of a Swarm service, not of a plain Docker host`)
    const recovery = await recoverDockerRun(this.stable, new DockerCanary(this.stable, this.fleet, state.service), state, deps)
    if (recovery === 'not recovered') return recovery
    // The interrupted run's lock, if it is still its own, would make the next run wait for it to expire.
    const lock = await readLock(this.api, lockContainerName(state.service))
    if (lock && state.lockToken && lock.record?.token === state.lockToken) {
      await this.api.remove(lock.id)
      deps.log.info(`Released the deploy lock the interrupted run held on ${state.service}`)
      return 'recovered'
    }
    return recovery
  }

  /** An image on the host for containers that are never started: the service's own, else the release. */
  private async anchorImage(): Promise<string> {
    const selectors: Array<Record<string, string>> = [{ [SERVICE_LABEL]: this.service }, { [COMPANION_OF_LABEL]: this.service }]
    for (const labels of selectors) {
      const [id] = await this.api.list(labels)
      const info = id ? await this.api.inspect(id) : undefined
      if (info) return info.Image
    }
    if (this.shared.release) return this.shared.release
    throw new Error(`No image of ${this.service} is on the Docker host to hold its deploy lock with`)
  }
}
