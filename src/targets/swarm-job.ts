// pre-deploy / post-deploy on Swarm: a one-off `replicated-job` service (one task, no restart) cloned
// from the service's task template (env, secrets, configs, mounts, networks, user, working dir,
// placement, resources) with the release's image and the command in place of ENTRYPOINT and CMD.
// It is labelled with the service and the run, so that a leftover of a dead run can be found and
// removed (recover.ts), and it is always removed when it ends, fails or times out.
import type Docker from 'dockerode'
import type { JobCommand } from '../config/types.js'
import { jobArgv } from '../config/job-command.js'
import type { JobOutcome, JobPhase, JobRun, JobRunner } from '../jobs/job.js'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { JOB_LABEL, JOB_OF_LABEL, JOB_RUN_LABEL, jobLabels, jobName } from './job-labels.js'
import { LogCursor } from './log-cursor.js'
import { containerSpec } from './release-spec.js'
import type { SwarmApi } from './swarm-api.js'
import type { SwarmTask } from './swarm-tasks.js'

export { JOB_LABEL, JOB_OF_LABEL, JOB_RUN_LABEL, jobName }

const POLL_MS = 1000

/**
 * The job's spec, from the spec of the release it runs (the service's spec with the new image and
 * env/labels). Not kept: the service's labels (a proxy that routes by them must not see the job),
 * network aliases (traffic for the service must not reach it), published ports, update settings and
 * the health check (a migration answers no probe, and an unhealthy task would be killed). Pure.
 */
export function jobSpec(release: Docker.ServiceSpec, service: string, phase: JobPhase, command: JobCommand, runToken: string): Docker.ServiceSpec {
  const template = structuredClone(release.TaskTemplate ?? {}) as Docker.ContainerTaskSpec
  const { Args: _args, ...container } = template.ContainerSpec ?? {}
  template.ContainerSpec = { ...container, Command: jobArgv(command), HealthCheck: { Test: ['NONE'] } }
  template.RestartPolicy = { Condition: 'none', MaxAttempts: 0 }
  delete template.ForceUpdate
  const unaliased = (networks: Docker.NetworkAttachmentConfig[]): Docker.NetworkAttachmentConfig[] => networks.map(({ Aliases: _aliases, ...n }) => n)
  if (template.Networks) template.Networks = unaliased(template.Networks)
  return {
    Name: jobName(service, phase, runToken),
    Labels: jobLabels(service, phase, runToken),
    TaskTemplate: template,
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    ...(release.Networks ? { Networks: unaliased(release.Networks) } : {}),
    EndpointSpec: { Mode: 'dnsrr' }
  }
}

export type JobTaskState =
  | { phase: 'waiting'; detail: string }
  | { phase: 'running' }
  | { phase: 'done'; ok: boolean; exitCode?: number; error?: string }

const ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove'])
const HAS_CONTAINER = new Set(['starting', 'running', 'complete', 'failed', 'shutdown'])

/** Where the job's task is. Pure. */
export function jobTaskState(task: SwarmTask | undefined): JobTaskState {
  const state = task?.Status?.State
  if (!task || !state) return { phase: 'waiting', detail: 'no task yet' }
  const why = task.Status?.Err || task.Status?.Message
  if (state === 'running') return { phase: 'running' }
  if (!ENDED.has(state)) return { phase: 'waiting', detail: `${state}${why ? ` (${why})` : ''}` }
  const code = task.Status?.ContainerStatus?.ExitCode
  if (state === 'complete') return { phase: 'done', ok: true, exitCode: code ?? 0 }
  // Only an exit of the command has a code; a task that never started has the Engine's reason.
  const exited = /non-zero exit \((\d+)\)/.exec(task.Status?.Err ?? '')
  if (exited) return { phase: 'done', ok: false, exitCode: Number(exited[1]) }
  return { phase: 'done', ok: false, error: `task ${state}: ${why ?? 'no reason given'}` }
}

/** The newest task of the job (there is one; a task that could not be placed may be replaced). */
function newest(tasks: SwarmTask[]): SwarmTask | undefined {
  return [...tasks].sort((a, b) => (Date.parse(b.CreatedAt ?? '') || 0) - (Date.parse(a.CreatedAt ?? '') || 0))[0]
}

export class SwarmJobRunner implements JobRunner {
  constructor(
    private readonly api: SwarmApi,
    private readonly service: string,
    /** The spec of the release the job runs from. */
    private readonly release: Docker.ServiceSpec,
    private readonly runToken: string,
    private readonly clock: Clock,
    private readonly log: Log
  ) {}

  async run(job: JobRun): Promise<JobOutcome> {
    const spec = jobSpec(this.release, this.service, job.phase, job.command, this.runToken)
    const name = spec.Name ?? ''
    const image = containerSpec(spec)?.Image ?? ''
    // A job of the same name is this run's own, left by an earlier attempt: it must not run twice at once.
    await this.api.remove(name)
    const id = await this.api.create(spec)
    this.log.info(`  ${job.phase} job ${name} started from ${image}`)
    try {
      return { name, image, ...(await this.follow(id, job)) }
    } finally {
      await this.api.remove(name).catch((error: unknown) => this.log.warning(`Could not remove the ${job.phase} job ${name}: ${(error as Error).message}; remove it by hand`))
    }
  }

  private async follow(id: string, job: JobRun): Promise<Omit<JobOutcome, 'name' | 'image'>> {
    const deadline = this.clock.now() + job.timeoutMs
    const cursor = new LogCursor()
    const read = async (task: SwarmTask | undefined): Promise<void> => {
      if (!task || !HAS_CONTAINER.has(task.Status?.State ?? '')) return
      try {
        for (const line of cursor.take(await this.api.taskLogs(task.ID, cursor.since()))) job.onLine(line)
      } catch (error) {
        this.log.debug(`reading the ${job.phase} job's log: ${(error as Error).message}`)
      }
    }
    for (;;) {
      const task = newest(await this.api.tasks(id))
      const state = jobTaskState(task)
      // Read after the state: once it is done, this read has the job's last lines.
      await read(task)
      if (state.phase === 'done') {
        const { phase: _phase, ok, ...rest } = state
        return { status: ok ? 'succeeded' : 'failed', ...rest }
      }
      if (job.signal?.aborted) return { status: 'cancelled' }
      if (this.clock.now() >= deadline) return { status: 'timed-out', error: state.phase === 'running' ? 'still running' : `still ${state.detail}` }
      await this.clock.sleep(Math.min(POLL_MS, Math.max(0, deadline - this.clock.now())), job.signal)
    }
  }
}

/** Removes the jobs of `service` (only those of the run `runToken`, when given); returns how many. */
export async function removeLeftoverJobs(api: SwarmApi, service: string, log: Log, runToken?: string): Promise<number> {
  let removed = 0
  for (const job of await api.servicesLabelled(JOB_OF_LABEL, service)) {
    const labels = job.Spec?.Labels ?? {}
    if (runToken !== undefined && labels[JOB_RUN_LABEL] !== runToken) continue
    log.warning(`Removing the ${labels[JOB_LABEL] ?? ''} job ${job.Spec?.Name ?? job.ID} of ${service}, left by an interrupted run`)
    await api.remove(job.ID)
    removed++
  }
  return removed
}
