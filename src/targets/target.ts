// The target seam: the only code that knows how a platform runs replicas. The engine speaks to it
// through this interface; Swarm services and plain Docker containers implement it.
import type { BatchStep } from '../rollout/plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { HealthCheckSettings } from '../rollout/health-timing.js'
import type { ContainerConfig } from '../release/config-change.js'

export interface Capture {
  /** The platform's identifier of the workload (service ID, or the service label of plain containers). */
  id: string
  name: string
  /** The image the workload runs now, as written in its spec; empty when nothing runs yet (a first deploy). */
  image: string
  replicas: number
  /** Facts worth a line in the log and report (endpoint mode, update settings…). */
  facts: Record<string, string>
  /** The env and labels the workload's containers are given (not the image's own), for config releases. */
  config: ContainerConfig
  /** The release recorded by the last successful rollout, which operation rollback goes back to. */
  recordedPrevious?: string
  /** The env/labels edits recorded with it (JSON), which a rollback to it applies. */
  recordedChange?: string
  /** The health check the workload's own configuration sets (it overrides the image's), if any. */
  healthCheck?: HealthCheckSettings
}

export interface RolloutTarget<C extends Capture = Capture> {
  /** Reads the workload's current state. Changes nothing; fails clearly when it cannot be rolled out. */
  capture(): Promise<C>
  /** Moves the workload so that step.newReplicas replicas run `release` (start-first). */
  applyStep(capture: C, step: BatchStep, release: string, batchSize: number): Promise<void>
  /** Counts replicas relative to `release`; failures are those of tasks created since `since` (epoch ms). */
  observe(capture: C, release: string, since: number): Promise<ReplicaObservation>
  /** After every step passed: leaves the workload on `release` with its own settings back, noting `previous`. */
  complete(capture: C, release: string, previous: string): Promise<void>
  /** Starts putting the workload back on `previous` as fast as is safe. Safe to repeat. */
  restore(capture: C, previous: string): Promise<void>
  /** Once the restore converged: the exact captured settings, on `previous`. */
  settle(capture: C, previous: string): Promise<void>
  /** The last log lines of replicas on `release` that failed or are unhealthy, for the report. */
  failureLogs(capture: C, release: string, since: number): Promise<string[]>
  /**
   * Optional, for targets that put replicas in and out of service themselves (plain containers): called
   * once per step, when its new replicas are ready and verified. It puts them in service and takes out the
   * replicas they replace (drained, then stopped). Without it (Swarm), the platform does both on its own
   * and convergence waits for the old replicas to go.
   */
  cutOver?(capture: C, step: BatchStep, release: string, signal?: AbortSignal): Promise<void>
  /**
   * Optional: where the HTTP gate probes `release`: `url` at each ready replica's own address. Without it,
   * `url` as given (a load balancer or published port in front of the replicas).
   */
  probeUrls?(capture: C, release: string, url: URL): Promise<URL[]>
}
