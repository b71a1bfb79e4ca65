// Service settings that make a Swarm rollout drop requests, whatever the rollout does. Pure: facts in,
// warnings out. How Swarm stops a replica (moby's container controller): it takes the task out of DNS
// and the VIP, waits a fixed 2 s, sends the stop signal, and kills it after the stop grace period. And it
// puts a new task into DNS when its container is healthy, or at once when there is no health check.
import type { HealthCheckSettings } from './health-timing.js'

export interface DropRiskFacts {
  /** The health check new replicas get (the spec's, else the image's); undefined when there is none. */
  healthCheck: HealthCheckSettings | undefined
  /** False when the image could not be read here: then a missing check is not reported. */
  healthCheckKnown: boolean
  /** ContainerSpec.StopGracePeriod in ns; undefined means Docker's default (10 s). */
  stopGracePeriodNs: number | undefined
}

// Below this, a stop grace period cuts ordinary slow requests (an upload, a report, a slow query).
export const SHORT_GRACE_MS = 5_000

export function dropRiskWarnings(facts: DropRiskFacts): string[] {
  const warnings: string[] = []
  const check = facts.healthCheck?.Test
  if (facts.healthCheckKnown && (!check?.length || check[0] === 'NONE')) {
    warnings.push(
      'Neither the service nor its image has a HEALTHCHECK: Swarm routes a new replica as soon as its container starts, ' +
        'before the app may be listening, and requests sent to it then fail. Give the image or the service a health check ' +
        'that passes only once the app serves.'
    )
  }
  const graceMs = facts.stopGracePeriodNs === undefined ? undefined : Math.round(facts.stopGracePeriodNs / 1e6)
  if (graceMs !== undefined && graceMs < SHORT_GRACE_MS) {
    warnings.push(
      `The service's stop grace period is ${graceMs / 1000}s: Swarm kills a replica that long after asking it to stop, ` +
        'so any request still running then is cut off. Set it (--stop-grace-period) above your slowest request; Docker\'s default is 10s.'
    )
  }
  return warnings
}
