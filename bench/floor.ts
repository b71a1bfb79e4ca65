// The "floor" of a rollout: what its new replicas needed at least, as the engine measured it. For each
// replica of the release now running: from its creation to the moment the engine called it healthy
// (Swarm: the task's running state, which waits for a HEALTHCHECK; plain Docker: the container's
// health_status: healthy event), plus the time the gate needs for its required consecutive probes;
// summed over the replicas, since batches of one replica run one after the other.
import { docker } from '../test/support/testbed.js'
import { SERVICE_LABEL } from '../test/support/zero-loss-bed.js'

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

/** Sum over the running containers of `service` on `image` (repo:tag) of (healthy − created) + probesMs each. */
export async function dockerFloorMs(service: string, image: string, probesMs: number): Promise<number> {
  const imageId = ((await docker().getImage(image).inspect()) as { Id: string }).Id
  const list = (await docker().listContainers({ filters: JSON.stringify({ label: [`${SERVICE_LABEL}=${service}`] }) }))
    .filter((c) => c.ImageID === imageId)
  if (!list.length) throw new Error(`no running container of ${image} labelled ${SERVICE_LABEL}=${service}`)
  let sum = 0
  for (const c of list) {
    const created = Date.parse(((await docker().getContainer(c.Id).inspect()) as { Created: string }).Created)
    sum += (await healthyAt(c.Id, created)) - created + probesMs
  }
  return sum
}

/** When the container was first reported healthy (Docker's events, from its creation until now). */
async function healthyAt(id: string, created: number): Promise<number> {
  const stream = await docker().getEvents({
    since: Math.floor(created / 1000),
    until: Math.ceil(Date.now() / 1000),
    filters: JSON.stringify({ container: [id], event: ['health_status'] })
  })
  let text = ''
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8')
  const healthy = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { status?: string; timeNano?: number })
    .find((e) => e.status === 'health_status: healthy')
  if (!healthy?.timeNano) throw new Error(`container ${id.slice(0, 12)} was never reported healthy`)
  return healthy.timeNano / 1e6
}
