// Pure reading of a Swarm service's task list into a ReplicaObservation.
import { sameRelease } from '../docker/image-ref.js'
import type { ReplicaObservation } from '../rollout/observation.js'

/** The fields of a Swarm task this project reads (GET /tasks). */
export interface SwarmTask {
  ID: string
  Slot?: number
  NodeID?: string
  CreatedAt?: string
  DesiredState?: string
  Spec?: { ContainerSpec?: { Image?: string } }
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } }
}

const STARTING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'])
// A replica task of a long-running service that ends in one of these did not survive.
const FAILED = new Set(['failed', 'rejected', 'orphaned', 'complete'])
const WANTED = new Set(['running', 'ready', 'accepted'])

// Where releases are compared; kept here too for the modules that read it from here.
export { digestOf, sameRelease } from '../docker/image-ref.js'

export function observeTasks(
  tasks: SwarmTask[],
  release: string,
  desired: number,
  since: number,
  update?: { State?: string; Message?: string }
): ReplicaObservation {
  const o: ReplicaObservation = { desired, ready: 0, starting: 0, failed: 0, others: 0, failures: [], updateState: update?.State, updateMessage: update?.Message }
  const failures: Array<{ at: number; text: string }> = []
  for (const task of tasks) {
    const state = task.Status?.State ?? 'unknown'
    const wanted = WANTED.has(task.DesiredState ?? '')
    const onRelease = sameRelease(task.Spec?.ContainerSpec?.Image, release)
    if (!onRelease) {
      if (wanted && (state === 'running' || STARTING.has(state))) o.others++
      continue
    }
    if (FAILED.has(state)) {
      const at = Date.parse(task.CreatedAt ?? '') || 0
      if (at >= since) {
        o.failed++
        failures.push({ at, text: describeFailure(task, state) })
      }
    } else if (wanted && state === 'running') {
      o.ready++
    } else if (wanted && STARTING.has(state)) {
      o.starting++
    }
  }
  o.failures = failures.sort((x, y) => y.at - x.at).map((f) => f.text)
  return o
}

function describeFailure(task: SwarmTask, state: string): string {
  const slot = task.Slot !== undefined ? `slot ${task.Slot}` : `task ${task.ID.slice(0, 12)}`
  const why = task.Status?.Err || task.Status?.Message || 'no reason given'
  const code = task.Status?.ContainerStatus?.ExitCode
  return `${slot} ${state}${code !== undefined && code !== 0 ? ` (exit ${code})` : ''}: ${why}`
}
