// The "floor" of a rollout on Swarm: what its new replicas needed at least, as Swarm measured it. For each
// task of the release now running: from its creation to the moment Swarm called it running (for an image
// with a HEALTHCHECK, once healthy), plus the time the gate needs for its required consecutive probes;
// summed over the tasks, since batches of one replica run one after the other.
import { docker } from '../test/support/testbed.js'

interface Task {
  ServiceID?: string
  CreatedAt?: string
  DesiredState?: string
  Spec?: { ContainerSpec?: { Image?: string } }
  Status?: { State?: string; Timestamp?: string }
}

/** Sum over the running tasks of `image` (repo:tag) of (running − created) + probesMs each. */
export async function swarmFloorMs(service: string, image: string, probesMs: number): Promise<number> {
  const id = ((await docker().getService(service).inspect()) as { ID: string }).ID
  const tasks = ((await docker().listTasks({ filters: JSON.stringify({ service: [id], 'desired-state': ['running'] }) })) as Task[])
    .filter((t) => t.ServiceID === id && t.Status?.State === 'running' && (t.Spec?.ContainerSpec?.Image ?? '').startsWith(`${image}@`))
  if (!tasks.length) throw new Error(`no running task of ${image} in ${service}`)
  return tasks.reduce((sum, t) => sum + (Date.parse(t.Status?.Timestamp ?? '') - Date.parse(t.CreatedAt ?? '')) + probesMs, 0)
}
