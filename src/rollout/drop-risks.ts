// Workload settings that make a rollout drop requests, whatever the rollout does. Pure: facts in,
// warnings out.
// - Swarm (moby's container controller) takes a task out of DNS and the VIP, waits a fixed 2 s, sends
//   the stop signal, and kills it after the stop grace period; it puts a new task into DNS when its
//   container is healthy, or at once when there is no health check.
// - On a plain host a new container joins the alias once Docker calls it healthy and the HTTP gate
//   (health-url) passed at its own address; with neither, as soon as it runs. Docker kills a stopped
//   container after its stop timeout.
import type { HealthCheckSettings } from './health-timing.js'

export interface DropRiskFacts {
  /** The health check new replicas get (the spec's, else the image's); undefined when there is none. */
  healthCheck: HealthCheckSettings | undefined
  /** False when the image could not be read here: then a missing check is not reported. */
  healthCheckKnown: boolean
  /** An HTTP health gate (health-url) is set: on a plain host it probes each new container before it is routed. */
  healthGate: boolean
  /** How long a replica may take to stop before it is killed, in ms; undefined means Docker's default (10 s). */
  stopGraceMs: number | undefined
}

// Below this, a stop grace period cuts ordinary slow requests (an upload, a report, a slow query).
export const SHORT_GRACE_MS = 5_000

interface Wording {
  /** An HTTP health gate keeps a new replica out of routing until it passes (plain host: yes; Swarm routes first). */
  gateBeforeRouting: boolean
  noCheck: string
  shortGrace: (seconds: number) => string
}

const WORDING: Record<'swarm' | 'docker', Wording> = {
  swarm: {
    gateBeforeRouting: false,
    noCheck:
      'Neither the service nor its image has a HEALTHCHECK: Swarm routes a new replica as soon as its container starts, ' +
      'before the app may be listening, and requests sent to it then fail. Give the image or the service a health check ' +
      'that passes only once the app serves.',
    shortGrace: (seconds) =>
      `The service's stop grace period is ${seconds}s: Swarm kills a replica that long after asking it to stop, ` +
      'so any request still running then is cut off. Set it (--stop-grace-period) above your slowest request; Docker\'s default is 10s.'
  },
  docker: {
    gateBeforeRouting: true,
    noCheck:
      'Neither the containers nor their image has a HEALTHCHECK, and health-url is not set: a new container joins the alias as soon ' +
      'as it runs, before the app may be listening, and requests sent to it then fail. Give the image a health check that passes ' +
      'only once the app serves, or set health-url (probed at each new container before it joins the alias).',
    shortGrace: (seconds) =>
      `The containers' stop timeout is ${seconds}s: Docker kills a container that long after asking it to stop, ` +
      'so any request still running then is cut off. Set it (docker run --stop-timeout) above your slowest request; Docker\'s default is 10s.'
  }
}

/** The warnings for a workload on `platform` (swarm: a service; docker: plain containers). */
export function dropRiskWarnings(platform: 'swarm' | 'docker', facts: DropRiskFacts): string[] {
  const wording = WORDING[platform]
  const warnings: string[] = []
  const check = facts.healthCheck?.Test
  const noCheck = facts.healthCheckKnown && (!check?.length || check[0] === 'NONE')
  if (noCheck && !(wording.gateBeforeRouting && facts.healthGate)) warnings.push(wording.noCheck)
  if (facts.stopGraceMs !== undefined && facts.stopGraceMs < SHORT_GRACE_MS) warnings.push(wording.shortGrace(facts.stopGraceMs / 1000))
  return warnings
}
