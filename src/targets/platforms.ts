// The one factory of platforms: the engine, the strategies, deploy() and the post step get a Platform
// from here and never name Swarm or plain containers themselves.
import type Docker from 'dockerode'
import { checkSwarmInputs } from '../config/parse-platform.js'
import type { Config } from '../config/types.js'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import type { RunState } from '../run-state.js'
import { DockerPlatform } from './docker-platform.js'
import type { Platform, PlatformKind } from './platform.js'
import { choosePlatform, type SwarmFacts } from './platform-choice.js'
import { SwarmPlatform } from './swarm-platform.js'
import { SwarmPreStop } from './swarm-pre-stop.js'

export interface PlatformDeps {
  docker: Docker
  log: Log
  clock: Clock
}

export function createPlatform(kind: PlatformKind, config: Config, service: string, deps: PlatformDeps, registryAuth?: string): Platform {
  if (kind === 'swarm') {
    const preStop = config.preStop ? { runner: new SwarmPreStop(deps.docker, config.preStop, deps.log), drainMs: config.drainMs } : undefined
    return new SwarmPlatform(deps.docker, service, deps.log, deps.clock, registryAuth, preStop)
  }
  return new DockerPlatform(deps.docker, service, {
    platform: config.platform,
    drainMs: config.drainMs,
    plainHost: config.plainHost,
    deadlineMs: config.deadlineMs,
    clock: deps.clock,
    log: deps.log,
    ...(config.preStop ? { preStop: config.preStop } : {}),
    ...(registryAuth ? { registryAuth } : {})
  })
}

/** The platform of this run's service (asking the engine when `platform: auto`), checked against the inputs. */
export async function openPlatform(config: Config, deps: PlatformDeps, registryAuth?: string): Promise<Platform> {
  const service = config.service ?? ''
  const facts = config.platform === 'auto' ? await swarmFacts(deps.docker, service) : { manager: false, serviceExists: false }
  const { kind, why } = choosePlatform(config.platform, facts, service)
  deps.log.info(`Platform: ${kind} (${why})`)
  if (kind === 'swarm') {
    // Found to be Swarm only now: the plain-host inputs would silently do nothing.
    checkSwarmInputs(config.plainHost)
  }
  return createPlatform(kind, config, service, deps, registryAuth)
}

/** The platform an interrupted run's saved state belongs to (the post step). */
export function platformForState(state: RunState, config: Config, deps: PlatformDeps): Platform {
  return createPlatform(state.platform ?? 'swarm', config, state.service, deps)
}

async function swarmFacts(docker: Docker, service: string): Promise<SwarmFacts> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }
  const manager = info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true
  if (!manager) return { manager, serviceExists: false }
  try {
    await docker.getService(service).inspect()
    return { manager, serviceExists: true }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return { manager, serviceExists: false }
    throw error
  }
}
