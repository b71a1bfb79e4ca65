// What the action saves while it runs (core.saveState), so that its post step can tell an interrupted
// rollout from a finished one and bring the service back to one known release. Pure: encode/decode.
import type Docker from 'dockerode'

export const RUN_STATE_KEY = 'zdd-run'
export const IS_POST_KEY = 'isPost'

/** What every platform's state has. */
export interface RunStateBase {
  /** started: the service may be changing; finished: the run reached its own end (any result). */
  phase: 'started' | 'finished'
  service: string
  /** The release to go back to, pinned by digest (empty for a first deploy on a plain host). */
  previous: string
  release: string
  /** The companion (canary or preview) this run may have created. */
  companion?: string
  /** The run's deploy lock, which a recovery lets go of. */
  lockToken?: string
}

export interface SwarmRunState extends RunStateBase {
  /** Absent in states saved before plain hosts existed. */
  platform?: 'swarm'
  /** The service's spec as captured before any change: what a recovery writes back. */
  spec: Docker.ServiceSpec
}

export interface DockerRunState extends RunStateBase {
  platform: 'docker'
  network: string
  alias: string
  /** Every alias the containers answered to on the network (the shared one first). */
  aliases: string[]
  /** IDs of the containers that served before the run: a recovery brings back exactly these. */
  containers: string[]
}

export type RunState = SwarmRunState | DockerRunState

export function encodeRunState(state: RunState): string {
  return JSON.stringify(state)
}

/** The saved state, or undefined when there is none or it is not ours (then the post step does nothing). */
export function decodeRunState(text: string | undefined): RunState | undefined {
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as Partial<SwarmRunState> | Partial<DockerRunState>
    if ((value.phase !== 'started' && value.phase !== 'finished') || typeof value.service !== 'string' || typeof value.previous !== 'string') {
      return undefined
    }
    if (value.platform === 'docker') {
      const ok = typeof value.network === 'string' && typeof value.alias === 'string' && Array.isArray(value.aliases) && Array.isArray(value.containers)
      return ok ? (value as DockerRunState) : undefined
    }
    return typeof (value as Partial<SwarmRunState>).spec === 'object' ? (value as SwarmRunState) : undefined
  } catch {
    return undefined
  }
}
