// What a target reports about its replicas at one moment, relative to one release.

export interface ReplicaObservation {
  /** Replicas the workload should have. */
  desired: number
  /** Replicas on the release that are running and, where there is a health check, healthy. */
  ready: number
  /** Replicas on the release that are still starting (pulling, created, health: starting). */
  starting: number
  /** Replicas on the release that failed, were rejected or exited since the step began. */
  failed: number
  /** Replicas on any other release that are still meant to run. */
  others: number
  /** The platform's own update state, e.g. Swarm's `updating`, `paused`, `rollback_started`. */
  updateState?: string
  updateMessage?: string
  /** Why replicas failed, from the platform (task errors), newest first. */
  failures: string[]
}

export function describeObservation(o: ReplicaObservation): string {
  const parts = [`${o.ready}/${o.desired} ready`]
  if (o.starting) parts.push(`${o.starting} starting`)
  if (o.failed) parts.push(`${o.failed} failed`)
  if (o.others) parts.push(`${o.others} on other releases`)
  if (o.updateState) parts.push(`update ${o.updateState}`)
  return parts.join(', ')
}
