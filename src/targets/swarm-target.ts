// Swarm services as a rollout target. Swarm's own updater does the start-first replacement; we hold
// it between batches with a long update delay and release it by touching the spec, so every batch
// is gated by us before the next starts. A revert writes the captured spec back (pinned to its digest).
import type Docker from 'dockerode'
import { InputError } from '../config/input-error.js'
import type { Log } from '../log.js'
import type { BatchStep } from '../rollout/plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { HealthCheckSettings } from '../rollout/health-timing.js'
import type { ConfigChange } from '../config/types.js'
import { imageOf, onRelease } from '../release/release-ref.js'
import type { StableTarget } from './platform.js'
import type { Capture } from './target.js'
import { PREVIOUS_CONFIG_LABEL, PREVIOUS_LABEL } from './release-labels.js'
import { containerConfig, containerSpec } from './release-spec.js'
import type { SwarmApi } from './swarm-api.js'
import type { SwarmPreStop } from './swarm-pre-stop.js'
import { completionSpec, hostModePorts, restoreSpec, rolloutOrder, ROLLOUT_LABEL, settleSpec, stepSpec, type CapturedSpec } from './swarm-specs.js'
import { observeTasks, type SwarmTask } from './swarm-tasks.js'

export { containerSpec } from './release-spec.js'

export interface SwarmCapture extends Capture, CapturedSpec {
  version: number
  mode: 'replicated' | 'global'
}

const IN_FLIGHT = new Set(['updating', 'rollback_started'])

export class SwarmTarget implements StableTarget<SwarmCapture> {
  constructor(
    private readonly api: SwarmApi,
    private readonly serviceName: string,
    private readonly log: Log,
    /** The env/labels edits of the release being rolled out, written with its first batch. */
    readonly change?: ConfigChange,
    /** Runs the pre-stop command in each old task once Swarm starts its replacement (seen while observing). */
    private readonly preStop?: SwarmPreStop
  ) {}

  /** The same service, rolled out with `change` (a config release); undefined keeps it image-only. */
  withChange(change: ConfigChange | undefined): SwarmTarget {
    return new SwarmTarget(this.api, this.serviceName, this.log, change, this.preStop)
  }

  /**
   * Reads the service. An update in flight stops the run, unless it is one of ours (marked) and
   * `tolerateOurs` is set: read before the deploy lock, it may be a run that holds the lock and is
   * waited for, or a dead one whose leftover is recovered once the lock is taken over.
   */
  async capture(tolerateOurs = false): Promise<SwarmCapture> {
    const service = await this.inspect().catch((error: unknown) => {
      if (error instanceof Error && /was not found on the Swarm/.test(error.message)) {
        throw new InputError('service', this.serviceName, 'the name of an existing Swarm service')
      }
      throw error
    })
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
    const capture = await this.describe(service, spec, image, true)
    if (capture.replicas < 1) {
      throw new InputError('service', this.serviceName, 'a service with at least 1 running replica (scale it up before rolling it out)')
    }
    return capture
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
    const hostPorts = hostModePorts(spec)
    const order = rolloutOrder(spec)
    if (hostPorts.length && warn) {
      // A new task cannot bind the port while the old one on the same node holds it.
      this.log.warning(
        `Service '${this.serviceName}' publishes port ${hostPorts.map((p) => p.PublishedPort).join(', ')} in host mode, so a replacement ` +
          'cannot start beside the task it replaces: each batch stops its old tasks first, and capacity drops by the batch size meanwhile'
      )
    }
    const recordedPrevious = spec.Labels?.[PREVIOUS_LABEL]
    const recordedChange = spec.Labels?.[PREVIOUS_CONFIG_LABEL]
    const healthCheck = specHealthCheck(spec)
    return {
      id: service.ID,
      name: this.serviceName,
      image,
      replicas,
      config: containerConfig(spec),
      ...(recordedPrevious ? { recordedPrevious } : {}),
      ...(recordedChange ? { recordedChange } : {}),
      ...(healthCheck ? { healthCheck } : {}),
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
    const what = `batch ${step.index}/${step.of}`
    if (step.index === 1) {
      // The first write uses the captured version: if anyone changed the service since, Swarm refuses.
      await this.write(stepSpec(capture.spec, step, release, batchSize, capture.order, this.change), capture.version, what)
      return
    }
    const current = await this.inspect()
    await this.write(stepSpec(current.Spec ?? {}, step, release, batchSize, capture.order), current.Version?.Index ?? 0, what)
  }

  async observe(capture: SwarmCapture, release: string, since: number): Promise<ReplicaObservation> {
    const [service, tasks] = await Promise.all([this.inspect(), this.tasks(capture.id)])
    // The moment a slot's new task appears is when its old task is known: drain it now, while it serves.
    this.preStop?.drain(tasks, release)
    return observeTasks(tasks, release, capture.replicas, since, service.UpdateStatus)
  }

  async complete(capture: SwarmCapture, release: string, previous: string): Promise<void> {
    const current = await this.inspect()
    await this.write(completionSpec(current.Spec ?? {}, capture.spec, release, previous, this.change), current.Version?.Index ?? 0, 'completion')
  }

  async restore(capture: SwarmCapture, previous: string): Promise<void> {
    const current = await this.inspect()
    await this.write(restoreSpec(capture, previous), current.Version?.Index ?? 0, 'revert')
  }

  async settle(capture: SwarmCapture, previous: string): Promise<void> {
    const current = await this.inspect()
    await this.write(settleSpec(capture, previous), current.Version?.Index ?? 0, 'restore settings')
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
    .filter((t) => onRelease(t.Spec?.ContainerSpec?.Image, t.Spec?.ContainerSpec?.Labels, release) && (Date.parse(t.CreatedAt ?? '') || 0) >= since)
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
