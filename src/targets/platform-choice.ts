// Which platform a run uses, pure: `platform: auto` is Swarm when the service names a Swarm service on a
// Swarm manager, else a plain Docker host (containers labelled zdd.service=<service>).
import type { PlatformChoice } from '../config/parse-platform.js'
import type { PlatformKind } from './platform.js'

export interface SwarmFacts {
  /** The engine is a manager of an active Swarm (only a manager can read and update services). */
  manager: boolean
  /** A Swarm service of that name exists (known only on a manager). */
  serviceExists: boolean
}

export function choosePlatform(requested: PlatformChoice, facts: SwarmFacts, service: string): { kind: PlatformKind; why: string } {
  if (requested !== 'auto') return { kind: requested, why: `platform: ${requested}` }
  if (facts.manager && facts.serviceExists) return { kind: 'swarm', why: `${service} is a service of this Swarm` }
  return {
    kind: 'docker',
    why: facts.manager ? `this Swarm has no service ${service}: containers labelled zdd.service=${service}` : `the engine is no Swarm manager: containers labelled zdd.service=${service}`
  }
}
