// The platform seam: everything a deploy needs from one kind of target, chosen once per run
// (targets/platforms.ts). The engine, the strategies and deploy() speak only to this; Swarm services
// (swarm-platform.ts) and plain Docker containers (docker-platform.ts) implement it.
import type { ConfigChange, Strategy } from '../config/types.js'
import type { JobRunner } from '../jobs/job.js'
import type { ContainerConfig } from '../release/config-change.js'
import type { HttpProbe } from '../gates/http-probe.js'
import type { Log } from '../log.js'
import type { BlueGreenPlan } from '../rollout/blue-green-plan.js'
import type { DropRiskFacts } from '../rollout/drop-risks.js'
import type { Clock } from '../rollout/clock.js'
import type { RolloutPlan } from '../rollout/plan.js'
import type { RunState, RunStateBase } from '../run-state.js'
import type { CompanionRole } from './companion-spec.js'
import type { Capture, RolloutTarget } from './target.js'

export type PlatformKind = 'swarm' | 'docker'

/** The workload being rolled out. */
export interface StableTarget<C extends Capture = Capture> extends RolloutTarget<C> {
  /**
   * Reads the workload. Before the deploy lock (`beforeLock`), a rollout of ours in flight is tolerated:
   * it may be a run that is waited for, or a dead one that is recovered once its lock is taken over.
   */
  capture(beforeLock?: boolean): Promise<C>
}

/** What a canary paused at a pause step carries, for operation promote or abort. */
export interface PausedCanary {
  /** The canary step it stopped after; undefined when it was left mid-step by an interrupted run. */
  index?: number
  /** canary-steps of the run that paused it. */
  steps?: string
  /** The release to go back to. */
  previous?: string
  /** The canary's own release. */
  release?: string
  /** The canary's env and labels, which a promote rolls out to the workload. */
  config?: ContainerConfig
}

/** A canary or preview beside the workload. */
export interface CompanionTarget<C extends Capture = Capture> extends RolloutTarget<C> {
  readonly name: string
  readonly role: CompanionRole
  /** Whether one is left by an interrupted run; throws when the name belongs to something that is not ours. */
  leftover(): Promise<boolean>
  /** Removes it (taken out of service first where that matters); what is not ours is never touched. */
  remove(): Promise<void>
  /** A canary paused at step `index`: records what operation promote needs; it keeps running. */
  markPaused(index: number, steps: string, previous: string): Promise<void>
  /** The canary as a pause left it, or undefined when there is none. */
  paused(): Promise<PausedCanary | undefined>
}

export interface LockOptions {
  owner: string
  timeoutMs: number
  force: boolean
}

/** One rollout of a service at a time (see rollout/lock-decision.ts for the rules). */
export interface DeployLock {
  readonly token: string
  /** Takes the lock; resolves to true when it was taken over from a holder presumed dead. */
  acquire(opts: LockOptions, signal?: AbortSignal): Promise<boolean>
  /** Lets go of the lock if it is still ours; never throws. */
  release(): Promise<void>
}

export interface RecoverDeps {
  probe: HttpProbe
  clock: Clock
  log: Log
}

export type Recovery = 'nothing to do' | 'recovered' | 'not recovered'

export interface Platform<C extends Capture = Capture> {
  readonly kind: PlatformKind
  readonly stable: StableTarget<C>
  /** The env/labels edits of the release being rolled out (a config release), if any. */
  readonly change?: ConfigChange
  /** The same platform, rolling out releases with `change` (undefined: image-only). */
  withChange(change: ConfigChange | undefined): Platform<C>
  /**
   * pre-deploy / post-deploy: a runner of one-off jobs with the workload's settings, from `release` with
   * this platform's change when given (the release about to go out), else as `capture` runs. `env` is the
   * job's environment, whose secret-looking values are masked.
   */
  jobRunner(capture: C, runToken: string, release?: string): { runner: JobRunner; env: readonly string[] }
  /** Gets the release onto the platform before the lock is taken, where that is up to us (a plain host pulls). */
  prepare?(release: string): Promise<void>
  companion(role: CompanionRole): CompanionTarget<C>
  /** blue-green: how the verified preview takes over (its steps run on `stable`). */
  switchPlan(plan: BlueGreenPlan): RolloutPlan
  /** Settings of the workload that make a rollout drop requests whatever it does (see rollout/drop-risks.ts). */
  dropRisks?(capture: C, facts: Omit<DropRiskFacts, 'stopGraceMs'>): string[]
  /** Waits for what the rollout started in the background (Swarm's pre-stop commands). */
  settled?(): Promise<void>
  /** Warnings about the workload for this strategy, such as a canary that no traffic can reach. */
  warnings(capture: C, strategy: Strategy): string[]
  lock(service: string, clock: Clock, log: Log): DeployLock
  /** What a post step or a later run needs to bring the workload back, from the capture. */
  runState(capture: C, base: RunStateBase): RunState
  /** Keeps the state of a run in progress on the target, for a run that takes over its lock. */
  saveRunRecord(state: RunState): Promise<void>
  dropRunRecord(service: string, token: string | undefined): Promise<void>
  /** After taking over a dead holder's lock: recovers what its run records say it left. */
  recoverLeftovers(service: string, deps: RecoverDeps): Promise<void>
  /** Brings the workload back to one known release after an interrupted run (the post step). */
  recoverInterrupted(state: RunState, deps: RecoverDeps): Promise<Recovery>
}
