// The "floor" of a rollout: what its new replicas needed at least, as the engine measured it. For each
// replica of the release now running: from its creation to the moment the engine called it healthy
// (Swarm: the task's running state, which waits for a HEALTHCHECK; plain Docker: the container's
// health_status: healthy event), plus the time the gate needs for its required consecutive probes;
// the union of those spans, so batches that run one after the other add up and replicas started
// together (a blue-green set) count once.
import { docker } from '../test/support/testbed.js'
import { coveredMs, type Interval } from './intervals.js'
import { SERVICE_LABEL } from '../test/support/zero-loss-bed.js'

interface Task {
  ServiceID?: string
  CreatedAt?: string
  DesiredState?: string
  Spec?: { ContainerSpec?: { Image?: string } }
  Status?: { State?: string; Timestamp?: string }
}

/** The union over the running tasks of `image` (repo:tag) of [created, running + probesMs]. */
export async function swarmFloorMs(service: string, image: string, probesMs: number): Promise<number> {
  const id = ((await docker().getService(service).inspect()) as { ID: string }).ID
  const tasks = ((await docker().listTasks({ filters: JSON.stringify({ service: [id], 'desired-state': ['running'] }) })) as Task[])
    .filter((t) => t.ServiceID === id && t.Status?.State === 'running' && (t.Spec?.ContainerSpec?.Image ?? '').startsWith(`${image}@`))
  if (!tasks.length) throw new Error(`no running task of ${image} in ${service}`)
  return coveredMs(tasks.map((t) => ({ start: Date.parse(t.CreatedAt ?? ''), end: Date.parse(t.Status?.Timestamp ?? '') + probesMs })))
}

/**
 * Listens to Docker's health events of every container labelled zdd.service (the daemon keeps only its
 * last 256 events, too few on a busy daemon to ask afterwards): call before the rollout, then floorMs.
 */
export async function watchDockerHealth(): Promise<{ floorMs(service: string, image: string, probesMs: number): Promise<number>; stop(): void }> {
  const healthyAt = new Map<string, number>()
  const stream = (await docker().getEvents({
    filters: JSON.stringify({ type: ['container'], event: ['health_status'], label: [SERVICE_LABEL] })
  })) as NodeJS.ReadableStream & { destroy(): void }
  let rest = ''
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as { id?: string; status?: string; timeNano?: number }
      if (e.id && e.timeNano && e.status === 'health_status: healthy' && !healthyAt.has(e.id)) healthyAt.set(e.id, e.timeNano / 1e6)
    }
  })
  stream.on('error', () => undefined)
  return {
    /** The union over the running containers of `service` on `image` (repo:tag) of [created, healthy + probesMs]. */
    async floorMs(service, image, probesMs) {
      const imageId = ((await docker().getImage(image).inspect()) as { Id: string }).Id
      const list = (await docker().listContainers({ filters: JSON.stringify({ label: [`${SERVICE_LABEL}=${service}`] }) }))
        .filter((c) => c.ImageID === imageId)
      if (!list.length) throw new Error(`no running container of ${image} labelled ${SERVICE_LABEL}=${service}`)
      const spans: Interval[] = []
      for (const c of list) {
        const healthy = healthyAt.get(c.Id)
        if (healthy === undefined) throw new Error(`container ${c.Id.slice(0, 12)} was not seen becoming healthy`)
        spans.push({ start: Date.parse(((await docker().getContainer(c.Id).inspect()) as { Created: string }).Created), end: healthy + probesMs })
      }
      return coveredMs(spans)
    },
    stop: () => stream.destroy()
  }
}
