// Swarm services as a rollout target. Swarm's own updater does the start-first replacement; we hold
// it between batches with a long update delay and release it by touching the spec, so every batch
// is gated by us before the next starts. A revert writes the captured spec back (pinned to its digest).
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import type { BatchStep } from '../rollout/plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { HealthCheckSettings } from '../rollout/health-timing.js'
import type { Capture, RolloutTarget } from './target.js'
import { PREVIOUS_LABEL } from './release-labels.js'
import type { SwarmApi } from './swarm-api.js'
import type { SwarmPreStop } from './swarm-pre-stop.js'
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
    private readonly api: SwarmApi,
    private readonly serviceName: string,
    private readonly log: Log,
    /** Runs the pre-stop command in each old task once Swarm starts its replacement (seen while observing). */
    private readonly preStop?: SwarmPreStop
  ) {}

  /**
   * Reads the service. An update in flight stops the run, unless it is one of ours (marked) and
   * `tolerateOurs` is set: read before the deploy lock, it may be a run that holds the lock and is
   * waited for, or a dead one whose leftover is recovered once the lock is taken over.
   */
  async capture(tolerateOurs = false): Promise<SwarmCapture> {
    const service = await this.inspect()
    const spec = service.Spec ?? {}
    const image = containerSpec(spec)?.Image
    if (!image) throw new Error(`Service '${this.serviceName}' has no container image in its spec`)
    const update = service.UpdateStatus
    const marker = spec.Labels?.[ROLLOUT_LABEL]
    if (update?.State && IN_FLIGHT.has(update.State) && !(tolerateOurs && marker)) {
      throw new Error(
        `Service '${this.serviceName}' is already being updated (state ${update.State}${marker ? `, left by an earlier rollout at ${marker}` : ''}` +
          ` since ${update.StartedAt ?? 'an unknown time'}); wait for that update to finish, or roll it back first (docker service rollback)` +
          (marker ? '. A run of ours that died is recovered by the next run once its deploy lock goes stale, or at once with force-unlock' : '')
      )
    }
    return this.describe(service, spec, image, true)
  }

  /**
   * The service as a run that was interrupted captured it (its saved spec), for a recovery: no check
   * for an update in flight, since that is what is being recovered from.
   */
  async captureForRecovery(saved: Docker.ServiceSpec): Promise<SwarmCapture> {
    const service = await this.inspect()
    return this.describe(service, saved, containerSpec(saved)?.Image ?? '', false)
  }

  private async describe(service: Docker.Service, spec: Docker.ServiceSpec, image: string, warn: boolean): Promise<SwarmCapture> {
    const mode = spec.Mode?.Global ? 'global' : 'replicated'
    if (spec.Mode?.ReplicatedJob || spec.Mode?.GlobalJob) {
      throw new Error(`Service '${this.serviceName}' is a job, not a long-running service; it cannot be rolled out`)
    }
    const replicas = mode === 'global' ? await this.countRunning(service.ID) : spec.Mode?.Replicated?.Replicas ?? 1
    const hostPorts = (spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishMode === 'host' && p.PublishedPort)
    const order = hostPorts.length ? 'stop-first' : 'start-first'
    if (hostPorts.length && warn) {
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
    // The moment a slot's new task appears is when its old task is known: drain it now, while it serves.
    this.preStop?.drain(tasks, release)
    return observeTasks(tasks, release, capture.replicas, since, service.UpdateStatus)
  }

  async complete(capture: SwarmCapture, release: string, previous: string): Promise<void> {
    const current = await this.inspect()
    const spec = structuredClone(current.Spec ?? {})
    setImage(spec, release)
    restoreUpdateConfig(spec, capture.spec)
    // What operation rollback goes back to, recorded where the next run can read it.
    spec.Labels = { ...withoutMarker(spec.Labels), [PREVIOUS_LABEL]: previous }
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
    return failedTaskLogs(this.api, await this.tasks(capture.id), release, since)
  }

  private inspect(): Promise<Docker.Service> {
    return this.api.inspect(this.serviceName)
  }

  private tasks(serviceId: string): Promise<SwarmTask[]> {
    return this.api.tasks(serviceId)
  }

  private async countRunning(serviceId: string): Promise<number> {
    const tasks = await this.tasks(serviceId)
    return tasks.filter((t) => t.DesiredState === 'running').length
  }

  private write(spec: Docker.ServiceSpec, version: number, what: string): Promise<void> {
    return this.api.write(this.serviceName, spec, version, what)
  }
}

/** Task errors and the last log lines of up to three tasks of `release` that failed since `since`. */
export async function failedTaskLogs(api: SwarmApi, tasks: SwarmTask[], release: string, since: number): Promise<string[]> {
  const bad = tasks
    .filter((t) => sameRelease(t.Spec?.ContainerSpec?.Image, release) && (Date.parse(t.CreatedAt ?? '') || 0) >= since)
    .filter((t) => t.Status?.State !== 'running' || t.Status?.Err)
    .slice(0, 3)
  const lines: string[] = []
  for (const task of bad) {
    lines.push(`task ${task.ID.slice(0, 12)} (slot ${task.Slot ?? '-'}) ${task.Status?.State}: ${task.Status?.Err ?? task.Status?.Message ?? ''}`)
    const containerId = task.Status?.ContainerStatus?.ContainerID
    if (containerId) lines.push(...(await api.containerTail(containerId)))
  }
  return lines
}

/** The health check the service's spec sets (it overrides the image's), if any. */
export function specHealthCheck(spec: Docker.ServiceSpec): HealthCheckSettings | undefined {
  return containerSpec(spec)?.HealthCheck as HealthCheckSettings | undefined
}

export function containerSpec(spec: Docker.ServiceSpec): Docker.ContainerSpec | undefined {
  return (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec
}

export function setImage(spec: Docker.ServiceSpec, image: string): void {
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined
  spec.TaskTemplate = { ...template, ContainerSpec: { ...template?.ContainerSpec, Image: image } }
}

function restoreUpdateConfig(spec: Docker.ServiceSpec, original: Docker.ServiceSpec): void {
  if (original.UpdateConfig) spec.UpdateConfig = structuredClone(original.UpdateConfig)
  else delete spec.UpdateConfig
}

export function withoutMarker(labels: Record<string, string> | undefined): Record<string, string> {
  const { [ROLLOUT_LABEL]: _marker, ...rest } = labels ?? {}
  return rest
}
