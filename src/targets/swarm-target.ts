// Swarm services as a rollout target. Swarm's own updater does the start-first replacement; we hold
// it between batches with a long update delay and release it by touching the spec, so every batch
// is gated by us before the next starts. A revert writes the captured spec back (pinned to its digest).
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import type { BatchStep } from '../rollout/plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { HealthCheckSettings } from '../rollout/health-timing.js'
import type { Capture, RolloutTarget } from './target.js'
import { observeTasks, sameRelease, type SwarmTask } from './swarm-tasks.js'

export interface SwarmCapture extends Capture {
  spec: Docker.ServiceSpec
  version: number
  mode: 'replicated' | 'global'
  /** start-first, unless a host-mode published port makes two tasks on one node impossible. */
  order: 'start-first' | 'stop-first'
}

// The updater sleeps this long after each batch; we never let it run out (a day), we release it.
const HOLD_NS = 24 * 3600 * 1e9
// Swarm watches each new task this long for a failure before counting it as updated.
const SWARM_MONITOR_NS = 5 * 1e9
// Our marker on the service while a rollout is in progress: "<batch>/<batches>" or "reverting".
export const ROLLOUT_LABEL = 'zdd.rollout'

const IN_FLIGHT = new Set(['updating', 'rollback_started'])

export class SwarmTarget implements RolloutTarget<SwarmCapture> {
  constructor(
    private readonly docker: Docker,
    private readonly serviceName: string,
    private readonly log: Log,
    /** X-Registry-Auth value so that nodes can pull from a private registry. */
    private readonly registryAuth?: string
  ) {}

  async capture(): Promise<SwarmCapture> {
    const service = await this.inspect()
    const spec = service.Spec ?? {}
    const image = containerSpec(spec)?.Image
    if (!image) throw new Error(`Service '${this.serviceName}' has no container image in its spec`)
    const update = service.UpdateStatus
    if (update?.State && IN_FLIGHT.has(update.State)) {
      const marker = spec.Labels?.[ROLLOUT_LABEL]
      throw new Error(
        `Service '${this.serviceName}' is already being updated (state ${update.State}${marker ? `, left by an earlier rollout at ${marker}` : ''}` +
          ` since ${update.StartedAt ?? 'an unknown time'}); wait for that update to finish or roll it back first`
      )
    }
    const mode = spec.Mode?.Global ? 'global' : 'replicated'
    if (spec.Mode?.ReplicatedJob || spec.Mode?.GlobalJob) {
      throw new Error(`Service '${this.serviceName}' is a job, not a long-running service; it cannot be rolled out`)
    }
    const replicas = mode === 'global' ? await this.countRunning(service.ID) : spec.Mode?.Replicated?.Replicas ?? 1
    const hostPorts = (spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishMode === 'host' && p.PublishedPort)
    const order = hostPorts.length ? 'stop-first' : 'start-first'
    if (hostPorts.length) {
      // A new task cannot bind the port while the old one on the same node holds it.
      this.log.warning(
        `Service '${this.serviceName}' publishes port ${hostPorts.map((p) => p.PublishedPort).join(', ')} in host mode, so a replacement ` +
          'cannot start beside the task it replaces: each batch stops its old tasks first, and capacity drops by the batch size meanwhile'
      )
    }
    return {
      id: service.ID,
      name: this.serviceName,
      image,
      replicas,
      spec,
      version: service.Version?.Index ?? 0,
      mode,
      order,
      facts: {
        'rollout order': order,
        mode: mode === 'global' ? 'global' : `replicated (${replicas})`,
        'endpoint mode': spec.EndpointSpec?.Mode ?? 'vip',
        'own update order': spec.UpdateConfig?.Order ?? 'stop-first',
        healthcheck: specHealthCheck(spec)?.Test?.join(' ') ?? 'from the image'
      }
    }
  }

  async applyStep(capture: SwarmCapture, step: BatchStep, release: string, batchSize: number): Promise<void> {
    const marker = `${step.index}/${step.of}`
    if (step.index === 1) {
      // The first write uses the captured version: if anyone changed the service since, Swarm refuses.
      const spec = structuredClone(capture.spec)
      setImage(spec, release)
      spec.UpdateConfig = {
        Parallelism: batchSize,
        Delay: HOLD_NS,
        FailureAction: 'pause',
        Monitor: SWARM_MONITOR_NS,
        MaxFailureRatio: 0,
        Order: capture.order
      }
      spec.Labels = { ...spec.Labels, [ROLLOUT_LABEL]: marker }
      await this.write(spec, capture.version, `batch ${marker}`)
      return
    }
    // Any change to the spec restarts Swarm's updater, which then replaces the next batch of stale tasks.
    const current = await this.inspect()
    const spec = structuredClone(current.Spec ?? {})
    spec.Labels = { ...spec.Labels, [ROLLOUT_LABEL]: marker }
    await this.write(spec, current.Version?.Index ?? 0, `batch ${marker}`)
  }

  async observe(capture: SwarmCapture, release: string, since: number): Promise<ReplicaObservation> {
    const [service, tasks] = await Promise.all([this.inspect(), this.tasks(capture.id)])
    return observeTasks(tasks, release, capture.replicas, since, service.UpdateStatus)
  }

  async complete(capture: SwarmCapture, release: string): Promise<void> {
    const current = await this.inspect()
    const spec = structuredClone(current.Spec ?? {})
    setImage(spec, release)
    restoreUpdateConfig(spec, capture.spec)
    spec.Labels = withoutMarker(spec.Labels)
    await this.write(spec, current.Version?.Index ?? 0, 'completion')
  }

  async restore(capture: SwarmCapture, previous: string): Promise<void> {
    const current = await this.inspect()
    const spec = structuredClone(capture.spec)
    setImage(spec, previous)
    // Everything at once, new tasks first: the fastest way back that never drops below the count.
    // Where tasks must stop first (host-mode ports), one at a time, so that the others keep serving.
    const parallelism = capture.order === 'start-first' ? 0 : 1
    spec.UpdateConfig = { Parallelism: parallelism, Delay: 0, FailureAction: 'continue', Monitor: 0, MaxFailureRatio: 0, Order: capture.order }
    spec.Labels = { ...spec.Labels, [ROLLOUT_LABEL]: 'reverting' }
    await this.write(spec, current.Version?.Index ?? 0, 'revert')
  }

  async settle(capture: SwarmCapture, previous: string): Promise<void> {
    const current = await this.inspect()
    const spec = structuredClone(capture.spec)
    setImage(spec, previous)
    await this.write(spec, current.Version?.Index ?? 0, 'restore settings')
  }

  async failureLogs(capture: SwarmCapture, release: string, since: number): Promise<string[]> {
    const tasks = await this.tasks(capture.id)
    const bad = tasks
      .filter((t) => sameRelease(t.Spec?.ContainerSpec?.Image, release) && (Date.parse(t.CreatedAt ?? '') || 0) >= since)
      .filter((t) => t.Status?.State !== 'running' || t.Status?.Err)
      .slice(0, 3)
    const lines: string[] = []
    for (const task of bad) {
      lines.push(`task ${task.ID.slice(0, 12)} (slot ${task.Slot ?? '-'}) ${task.Status?.State}: ${task.Status?.Err ?? task.Status?.Message ?? ''}`)
      const containerId = task.Status?.ContainerStatus?.ContainerID
      if (containerId) lines.push(...(await this.containerTail(containerId)))
    }
    return lines
  }

  private async containerTail(containerId: string): Promise<string[]> {
    try {
      const raw = (await this.docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail: 20, follow: false })) as unknown as Buffer
      return demux(raw).map((line) => `  | ${line}`)
    } catch {
      // The container may live on another node, or be gone already: logs are a courtesy.
      return []
    }
  }

  private async inspect(): Promise<Docker.Service> {
    try {
      return (await this.docker.getService(this.serviceName).inspect()) as Docker.Service
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode
      if (status === 404) throw new Error(`Service '${this.serviceName}' was not found on the Swarm`)
      if (status === 503) throw new Error(`The Docker host is not a Swarm manager, so service '${this.serviceName}' cannot be updated`)
      throw error
    }
  }

  private async tasks(serviceId: string): Promise<SwarmTask[]> {
    return (await this.docker.listTasks({ filters: { service: [serviceId] } })) as SwarmTask[]
  }

  private async countRunning(serviceId: string): Promise<number> {
    const tasks = await this.tasks(serviceId)
    return tasks.filter((t) => t.DesiredState === 'running').length
  }

  private async write(spec: Docker.ServiceSpec, version: number, what: string): Promise<void> {
    this.log.debug(`Swarm: updating ${this.serviceName} (${what}) at version ${version}`)
    try {
      await dial(this.docker, {
        path: `/services/${encodeURIComponent(this.serviceName)}/update?`,
        method: 'POST',
        options: { _query: { version }, _body: spec },
        ...(this.registryAuth ? { authconfig: { base64: this.registryAuth } } : {}),
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such service', 500: 'server error', 503: 'node is not part of a swarm' }
      })
    } catch (error) {
      const message = (error as { json?: { message?: string } }).json?.message ?? (error as Error).message
      if (/out of sequence/i.test(message)) {
        throw new Error(`Service '${this.serviceName}' was changed by someone else during the rollout (${what}): ${message}`)
      }
      throw new Error(`Swarm refused the ${what} update of '${this.serviceName}': ${message}`)
    }
  }
}

/** The health check the service's spec sets (it overrides the image's), if any. */
export function specHealthCheck(spec: Docker.ServiceSpec): HealthCheckSettings | undefined {
  return containerSpec(spec)?.HealthCheck as HealthCheckSettings | undefined
}

function containerSpec(spec: Docker.ServiceSpec): Docker.ContainerSpec | undefined {
  return (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec
}

function setImage(spec: Docker.ServiceSpec, image: string): void {
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined
  spec.TaskTemplate = { ...template, ContainerSpec: { ...template?.ContainerSpec, Image: image } }
}

function restoreUpdateConfig(spec: Docker.ServiceSpec, original: Docker.ServiceSpec): void {
  if (original.UpdateConfig) spec.UpdateConfig = structuredClone(original.UpdateConfig)
  else delete spec.UpdateConfig
}

function withoutMarker(labels: Record<string, string> | undefined): Record<string, string> {
  const { [ROLLOUT_LABEL]: _marker, ...rest } = labels ?? {}
  return rest
}

function dial(docker: Docker, options: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options as never, (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)))
  })
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text lines. */
export function demux(raw: Buffer | string): string[] {
  if (typeof raw === 'string') return raw.split('\n').filter(Boolean)
  const out: string[] = []
  let offset = 0
  while (offset + 8 <= raw.length && (raw[offset] === 1 || raw[offset] === 2) && raw[offset + 1] === 0) {
    const size = raw.readUInt32BE(offset + 4)
    out.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'))
    offset += 8 + size
  }
  const text = offset === 0 ? raw.toString('utf8') : out.join('')
  return text.split('\n').filter(Boolean)
}
