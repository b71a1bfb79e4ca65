// A companion service beside the one being rolled out: the canary (<service>-canary, sharing its
// names) or the preview (<service>-preview, on preview names only). Scaled step by step by the
// engine; a revert removes it, which leaves the stable service exactly as it was, never touched.
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { BatchStep } from '../rollout/plan.js'
import { COMPANION_OF_LABEL, companionName, companionSpec, specReplicas, type CompanionRole } from './companion-spec.js'
import type { CompanionTarget, PausedCanary } from './platform.js'
import { CANARY_PAUSED_LABEL, CANARY_PREVIOUS_LABEL, CANARY_STEPS_LABEL } from './release-labels.js'
import { containerConfig, specRelease } from './release-spec.js'
import type { SwarmApi } from './swarm-api.js'
import { replacementStarted, runningTasks, type SwarmPreStop } from './swarm-pre-stop.js'
import { failedTaskLogs, type SwarmCapture, type SwarmTarget } from './swarm-target.js'
import { observeTasks } from './swarm-tasks.js'

const GONE_POLL_MS = 500
// How often the tasks are read while a canary drains (a replacement must be seen before it is healthy).
const DRAIN_POLL_MS = 250
const GONE_TIMEOUT_MS = 30_000

/**
 * pre-stop for a canary that served its part: run in its tasks, then `drainMs` waited before the service is
 * removed, so that a proxy that health-checks the tasks lets them go while they still serve (a removal
 * otherwise gives a proxy only Swarm's 2 s between the DNS records going and the stop signal).
 */
export interface CompanionDrain {
  preStop: SwarmPreStop
  drainMs: number
  clock: Clock
}

export class SwarmCompanion implements CompanionTarget<SwarmCapture> {
  readonly name: string

  constructor(
    private readonly api: SwarmApi,
    private readonly stable: SwarmTarget,
    private readonly service: string,
    readonly role: CompanionRole,
    private readonly log: Log,
    private readonly drain?: CompanionDrain
  ) {
    this.name = companionName(service, role)
  }

  capture(): Promise<SwarmCapture> {
    return this.stable.capture()
  }

  async leftover(): Promise<boolean> {
    return (await this.find()) !== undefined
  }

  /** A companion left by an interrupted run (ours), or an error when the name belongs to someone else. */
  async find(): Promise<Docker.Service | undefined> {
    const existing = await this.api.find(this.name)
    if (existing && existing.Spec?.Labels?.[COMPANION_OF_LABEL] !== this.service) {
      throw new Error(
        `A service named '${this.name}' already exists and was not made by zero-downtime-deploy for '${this.service}'; ` +
          `the ${this.role} needs that name: rename or remove that service`
      )
    }
    return existing
  }

  async applyStep(capture: SwarmCapture, step: BatchStep, release: string): Promise<void> {
    const existing = await this.find()
    if (step.index === 1) {
      if (existing) {
        this.log.warning(`Removing ${this.name}, left over from an interrupted run (it ran ${imageOf(existing) ?? 'an unknown image'})`)
        await this.removeAndWait()
      }
      await this.api.create(companionSpec(capture.spec, this.service, this.role, release, step.newReplicas, this.stable.change))
      return
    }
    if (!existing) throw new Error(`Service '${this.name}' disappeared during the rollout`)
    const spec = structuredClone(existing.Spec ?? {})
    spec.Mode = { Replicated: { Replicas: step.newReplicas } }
    await this.api.write(this.name, spec, existing.Version?.Index ?? 0, `scale to ${step.newReplicas}`)
  }

  async observe(_capture: SwarmCapture, release: string, since: number): Promise<ReplicaObservation> {
    const service = await this.api.find(this.name)
    if (!service) return { desired: 0, ready: 0, starting: 0, failed: 0, others: 0, failures: [] }
    const tasks = await this.api.tasks(service.ID)
    return observeTasks(tasks, release, specReplicas(service.Spec), since, service.UpdateStatus)
  }

  /** The companion's work is done by then; it is removed by whoever runs the next phase. */
  async complete(): Promise<void> {}

  /** A failed companion goes at once: its tasks are the trouble, so they are not drained. */
  async restore(): Promise<void> {
    await this.remove(false)
  }

  async settle(): Promise<void> {}

  async failureLogs(_capture: SwarmCapture, release: string, since: number): Promise<string[]> {
    const service = await this.api.find(this.name)
    return service ? failedTaskLogs(this.api, await this.api.tasks(service.ID), release, since) : []
  }

  /** Labels a canary paused at step `index` with what operation promote needs; its tasks keep running. */
  async markPaused(index: number, steps: string, previous: string): Promise<void> {
    const service = await this.api.inspect(this.name)
    const spec = structuredClone(service.Spec ?? {})
    spec.Labels = { ...spec.Labels, [CANARY_PAUSED_LABEL]: String(index), [CANARY_STEPS_LABEL]: steps, [CANARY_PREVIOUS_LABEL]: previous }
    await this.api.write(this.name, spec, service.Version?.Index ?? 0, 'pause')
  }

  async paused(): Promise<PausedCanary | undefined> {
    const found = await this.find()
    if (!found) return undefined
    const labels = found.Spec?.Labels ?? {}
    const index = Number(labels[CANARY_PAUSED_LABEL])
    // Its release is its image and identity label; its env and labels are what a promote rolls out.
    const release = found.Spec && imageOf(found) ? specRelease(found.Spec) : undefined
    return {
      ...(found.Spec ? { config: containerConfig(found.Spec) } : {}),
      ...(Number.isInteger(index) && index >= 1 ? { index } : {}),
      ...(labels[CANARY_STEPS_LABEL] !== undefined ? { steps: labels[CANARY_STEPS_LABEL] } : {}),
      ...(labels[CANARY_PREVIOUS_LABEL] ? { previous: labels[CANARY_PREVIOUS_LABEL] } : {}),
      ...(release ? { release } : {})
    }
  }

  /**
   * Removes the companion; a service of that name that is not ours is never touched. A canary that
   * served is drained first when pre-stop is set (see CompanionDrain).
   */
  async remove(drain = true): Promise<void> {
    const existing = await this.find()
    if (!existing) return
    if (drain && this.drain && this.role === 'canary') await this.drainTasks(existing.ID, this.drain)
    this.log.info(`Removing ${this.name}`)
    await this.api.remove(this.name)
  }

  /**
   * pre-stop in every running task, then `drainMs`, cut short when Swarm starts replacing a drained task
   * (its Docker health check failed too): the service goes before the replacement is healthy and routed.
   */
  private async drainTasks(serviceId: string, { preStop, drainMs, clock }: CompanionDrain): Promise<void> {
    const all = await this.api.tasks(serviceId)
    const tasks = runningTasks(all)
    if (!tasks.length) return
    this.log.info(`pre-stop in the ${tasks.length} task(s) of ${this.name}, then ${drainMs / 1000}s of drain before it is removed`)
    await preStop.drainAll(tasks, `before ${this.name} is removed`)
    // Every task known before the drain (one still starting too): only a task Swarm adds later is a replacement.
    const known = new Set(all.map((t) => t.ID))
    const until = clock.now() + drainMs
    while (clock.now() < until) {
      await clock.sleep(Math.min(DRAIN_POLL_MS, until - clock.now()))
      const replacement = replacementStarted(await this.api.tasks(serviceId), known)
      if (replacement) {
        this.log.info(
          `  Swarm is replacing a drained task of ${this.name} (task ${replacement.ID.slice(0, 12)}, slot ${replacement.Slot ?? '-'}): ` +
            'removing it now, before the replacement is routed'
        )
        return
      }
    }
  }

  /**
   * Removes the service and waits until its containers are gone, so that a new one does not double it.
   * Its tasks cannot be waited for: they leave the API with the service, while their containers still stop.
   */
  async removeAndWait(): Promise<void> {
    const existing = await this.find()
    if (!existing) return
    await this.api.remove(this.name)
    const deadline = Date.now() + GONE_TIMEOUT_MS
    for (;;) {
      const left = await this.api.serviceContainers(existing.ID)
      if (!left.length) return
      if (Date.now() >= deadline) {
        this.log.warning(`${left.length} container(s) of the removed ${this.name} were still there after ${GONE_TIMEOUT_MS / 1000}s; going on beside them`)
        return
      }
      await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS))
    }
  }
}

function imageOf(service: Docker.Service): string | undefined {
  return (service.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Image
}
