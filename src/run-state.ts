// What the action saves while it runs (core.saveState), so that its post step can tell an interrupted
// rollout from a finished one and bring the service back to one known release. Pure: encode/decode.
import type Docker from 'dockerode'

export const RUN_STATE_KEY = 'zdd-run'
export const IS_POST_KEY = 'isPost'

export interface RunState {
  /** started: the service may be changing; finished: the run reached its own end (any result). */
  phase: 'started' | 'finished'
  service: string
  /** The release to go back to, pinned by digest. */
  previous: string
  release: string
  /** The companion (canary or preview) this run may have created. */
  companion?: string
  /** The service's spec as captured before any change: what a recovery writes back. */
  spec: Docker.ServiceSpec
  /** The run's deploy lock, which a recovery lets go of. */
  lockToken?: string
}

export function encodeRunState(state: RunState): string {
  return JSON.stringify(state)
}

/** The saved state, or undefined when there is none or it is not ours (then the post step does nothing). */
export function decodeRunState(text: string | undefined): RunState | undefined {
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as Partial<RunState>
    if ((value.phase !== 'started' && value.phase !== 'finished') || typeof value.service !== 'string' || typeof value.previous !== 'string' || typeof value.spec !== 'object') {
      return undefined
    }
    return value as RunState
  } catch {
    return undefined
  }
}
