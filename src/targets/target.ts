// The target seam: the only code that knows how a platform runs replicas. The engine speaks to it
// through this interface; Swarm is the first implementation, plain containers come next.
import type { BatchStep } from '../rollout/plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'

export interface Capture {
  /** The platform's identifier of the workload (service ID). */
  id: string
  name: string
  /** The image the workload runs now, as written in its spec. */
  image: string
  replicas: number
  /** Facts worth a line in the log and report (endpoint mode, update settings…). */
  facts: Record<string, string>
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
}
