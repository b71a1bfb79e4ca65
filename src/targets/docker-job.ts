// pre-deploy / post-deploy on a plain Docker host: a one-off container created from the workload's
// container template (env, mounts, networks, user, working dir, resources, log config) with the
// release's image and the command in place of ENTRYPOINT and CMD. It serves nothing: no alias on any
// network, no host port, no restart, no health check, none of the service's labels. Its output is
// followed as it is written; it is labelled with the service and the run, so that a leftover of a dead
// run can be found and removed (docker-recover.ts), and it is always removed when it ends, fails or
// times out.
import type Docker from 'dockerode'
import { jobArgv } from '../config/job-command.js'
import type { JobCommand } from '../config/types.js'
import type { JobOutcome, JobPhase, JobRun, JobRunner } from '../jobs/job.js'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import type { ContainerTemplate } from './container-spec.js'
import { apiMessage, type DockerApi } from './docker-api.js'
import { JOB_LABEL, JOB_OF_LABEL, JOB_RUN_LABEL, jobLabels, jobName } from './job-labels.js'
import { FrameLines } from './log-frames.js'

/** After the job exits, how long its last output may take to arrive before the container is removed. */
const LOG_DRAIN_MS = 5000

export interface DockerJobArgs {
  service: string
  phase: JobPhase
  command: JobCommand
  runToken: string
  image: string
}

/**
 * The job container's create options, from the template of the release it runs (the workload's settings
 * with the release's env), and the other networks it joins before it starts (without aliases). Not kept:
 * the service's labels (a proxy such as Traefik routes by container labels), aliases (traffic for the
 * service must not reach it), host ports, the restart policy and --rm (it runs once; its exit code is
 * read before it is removed), the health check (a migration answers no probe) and a TTY (its stdout and
 * stderr are read apart). Pure.
 */
export function dockerJobOptions(template: ContainerTemplate, args: DockerJobArgs): { options: Docker.ContainerCreateOptions; extraNetworks: string[] } {
  const {
    Labels: _labels, Cmd: _cmd, Entrypoint: _entrypoint, Healthcheck: _health, Tty: _tty, OpenStdin: _stdin, StdinOnce: _once, ExposedPorts: _exposed,
    HostConfig: host, ...config
  } = structuredClone(template.config)
  const { PortBindings: _ports, PublishAllPorts: _all, Links: _links, AutoRemove: _rm, RestartPolicy: _restart, ...hostConfig } = host ?? {}
  return {
    options: {
      ...config,
      name: jobName(args.service, args.phase, args.runToken),
      Image: args.image,
      Entrypoint: jobArgv(args.command),
      Healthcheck: { Test: ['NONE'] },
      Labels: jobLabels(args.service, args.phase, args.runToken),
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { ...hostConfig, NetworkMode: template.network, RestartPolicy: { Name: 'no' } },
      NetworkingConfig: { EndpointsConfig: { [template.network]: {} } }
    },
    extraNetworks: template.extraNetworks.map((n) => n.network).filter((n) => n !== template.network)
  }
}

export class DockerJobRunner implements JobRunner {
  constructor(
    private readonly api: DockerApi,
    private readonly service: string,
    /** The template of the release the job runs from (see DockerTarget.releaseTemplate). */
    private readonly template: ContainerTemplate,
    private readonly image: string,
    private readonly runToken: string,
    private readonly clock: Clock,
    private readonly log: Log
  ) {}

  async run(job: JobRun): Promise<JobOutcome> {
    const { options, extraNetworks } = dockerJobOptions(this.template, { service: this.service, phase: job.phase, command: job.command, runToken: this.runToken, image: this.image })
    const name = options.name ?? ''
    // A job of the same name is this run's own, left by an earlier attempt: it must not run twice at once.
    await this.api.remove(name)
    await this.api.pull(this.image)
    const id = await this.api.create(options)
    if (!id) throw new Error(`A container named ${name} already exists`)
    try {
      for (const network of extraNetworks) await this.api.connect(network, id, {})
      this.log.info(`  ${job.phase} job ${name} started from ${this.image}`)
      return { name, image: this.image, ...(await this.follow(id, job)) }
    } finally {
      await this.api.remove(id).catch((error: unknown) => this.log.warning(`Could not remove the ${job.phase} job ${name}: ${(error as Error).message}; remove it by hand`))
    }
  }

  private async follow(id: string, job: JobRun): Promise<Omit<JobOutcome, 'name' | 'image'>> {
    // Aborted when the follow ends (or the run is cancelled): the wait, the log stream and the timer stop.
    const ended = new AbortController()
    const cancel = (): void => ended.abort()
    job.signal?.addEventListener('abort', cancel, { once: true })
    try {
      if (job.signal?.aborted) return { status: 'cancelled' }
      try {
        await this.api.start(id)
      } catch (error) {
        return { status: 'failed', error: (error as Error).message }
      }
      const exit = this.api.waitExit(id, ended.signal).then((code) => ({ code }), (error: unknown) => ({ error: apiMessage(error) }))
      const reading = this.read(id, job, ended.signal)
      const timer = this.clock.sleep(job.timeoutMs, ended.signal).then(() => ({ stop: true as const }))
      const first = await Promise.race([exit, timer])
      if (job.signal?.aborted) return { status: 'cancelled' }
      if ('stop' in first) return { status: 'timed-out', error: 'still running' }
      // Exited: its last lines are on their way.
      const drained = new AbortController()
      await Promise.race([reading.finally(() => drained.abort()), this.clock.sleep(LOG_DRAIN_MS, drained.signal)])
      if ('error' in first) return { status: 'failed', error: `its end could not be followed: ${first.error}` }
      return { status: first.code === 0 ? 'succeeded' : 'failed', exitCode: first.code }
    } finally {
      job.signal?.removeEventListener('abort', cancel)
      ended.abort()
    }
  }

  /** Passes on each line of the job's output until it ends; an unreadable log is a warning. */
  private async read(id: string, job: JobRun, signal: AbortSignal): Promise<void> {
    const frames = new FrameLines()
    try {
      const stream = await this.api.followLogs(id, signal)
      for await (const chunk of stream) for (const line of frames.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) job.onLine(line)
    } catch (error) {
      if (!signal.aborted) this.log.warning(`The output of the ${job.phase} job could not be read: ${apiMessage(error)}`)
    }
    // Once the job's follow gave up on it, nothing more goes to its log.
    if (!signal.aborted) for (const line of frames.end()) job.onLine(line)
  }
}

/** Removes the job containers of `service` (only those of the run `runToken`, when given); returns how many. */
export async function removeLeftoverDockerJobs(api: DockerApi, service: string, log: Log, runToken?: string): Promise<number> {
  const selector = { [JOB_OF_LABEL]: service, ...(runToken !== undefined ? { [JOB_RUN_LABEL]: runToken } : {}) }
  let removed = 0
  for (const info of await api.inspectAll(selector)) {
    log.warning(`Removing the ${info.Config.Labels?.[JOB_LABEL] ?? ''} job ${info.Name.replace(/^\//, '')} of ${service}, left by an interrupted run`)
    await api.remove(info.Id)
    removed++
  }
  return removed
}
