// The few Swarm service calls the targets make, with the errors people can act on. Shared by the
// service being rolled out (SwarmTarget) and its companions (canary, preview).
import type Docker from 'dockerode'
import { connectionFault } from '../docker/reconnect.js'
import type { Log } from '../log.js'
import { containerTail, demux } from './container-logs.js'
import { specWritten } from './swarm-specs.js'
import type { SwarmTask } from './swarm-tasks.js'

export class SwarmApi {
  constructor(
    readonly docker: Docker,
    private readonly log: Log,
    /** X-Registry-Auth value so that nodes can pull from a private registry. */
    private readonly registryAuth?: string
  ) {}

  /** The service, or a clear error when it is missing or the host is not a Swarm manager. */
  async inspect(name: string): Promise<Docker.Service> {
    try {
      return (await this.docker.getService(name).inspect()) as Docker.Service
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode
      if (status === 404) throw new Error(`Service '${name}' was not found on the Swarm`)
      if (status === 503) throw new Error(`The Docker host is not a Swarm manager, so service '${name}' cannot be updated`)
      throw error
    }
  }

  /** The service, or undefined when there is none of that name. */
  async find(name: string): Promise<Docker.Service | undefined> {
    return unlessMissing(this.docker.getService(name).inspect() as Promise<Docker.Service>, undefined)
  }

  /** The service's tasks; none once the service is gone (the task filter then answers 404). */
  async tasks(serviceId: string): Promise<SwarmTask[]> {
    const tasks = await unlessMissing(this.docker.listTasks({ filters: { service: [serviceId] } }) as Promise<(SwarmTask & { ServiceID?: string })[]>, [])
    // The filter also matches by ID prefix and by name: keep this service's own tasks.
    return tasks.filter((t) => t.ServiceID === undefined || t.ServiceID === serviceId)
  }

  /**
   * IDs of the containers of a service's tasks on this engine, stopped ones too. They outlive the
   * service for as long as they take to stop; those on other nodes cannot be seen from here.
   */
  async serviceContainers(serviceId: string): Promise<string[]> {
    const containers = await this.docker.listContainers({ all: true, ...byLabel('com.docker.swarm.service.id', serviceId) })
    return containers.map((c) => c.Id)
  }

  async create(spec: Docker.ServiceSpec): Promise<string> {
    this.log.debug(`Swarm: creating ${spec.Name}`)
    try {
      const created = (await dial(this.docker, {
        path: '/services/create?',
        method: 'POST',
        options: { _query: {}, _body: spec },
        ...(this.registryAuth ? { authconfig: { base64: this.registryAuth } } : {}),
        statusCodes: { 201: true, 400: 'bad parameter', 403: 'network is not eligible for services', 409: 'name conflicts with an existing object', 500: 'server error', 503: 'node is not part of a swarm' }
      })) as { ID: string }
      return created.ID
    } catch (error) {
      throw new Error(`Swarm refused to create '${spec.Name}': ${apiMessage(error)}`)
    }
  }

  async write(name: string, spec: Docker.ServiceSpec, version: number, what: string): Promise<void> {
    this.log.debug(`Swarm: updating ${name} (${what}) at version ${version}`)
    try {
      await dial(this.docker, {
        path: `/services/${encodeURIComponent(name)}/update?`,
        method: 'POST',
        options: { _query: { version }, _body: spec },
        ...(this.registryAuth ? { authconfig: { base64: this.registryAuth } } : {}),
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such service', 500: 'server error', 503: 'node is not part of a swarm' }
      })
    } catch (error) {
      // A write whose answer was lost is never sent again blindly; the service says whether it took.
      if (connectionFault(error) === 'broken' && (await this.wasWritten(name, spec, version))) {
        this.log.warning(`The answer to the ${what} update of '${name}' was lost with the connection; the service shows the update was applied`)
        return
      }
      const message = apiMessage(error)
      if (/out of sequence/i.test(message)) {
        throw new Error(`Service '${name}' was changed by someone else during the rollout (${what}): ${message}`)
      }
      throw new Error(`Swarm refused the ${what} update of '${name}': ${message}`)
    }
  }

  private async wasWritten(name: string, spec: Docker.ServiceSpec, version: number): Promise<boolean> {
    const found = await this.inspect(name).catch(() => undefined)
    return found !== undefined && (found.Version?.Index ?? 0) > version && specWritten(found.Spec ?? {}, spec)
  }

  /** Services carrying the label `label=value` (e.g. the jobs of a service). */
  async servicesLabelled(label: string, value: string): Promise<Docker.Service[]> {
    return (await this.docker.listServices(byLabel(label, value))) as Docker.Service[]
  }

  /**
   * A task's log lines since `since` (seconds.nanoseconds), each `<timestamp> <text>`. Read through the
   * manager, so it works for a task on any node whose log driver can be read back (json-file, local, journald).
   */
  async taskLogs(taskId: string, since: string, timeoutMs = 15_000): Promise<string[]> {
    // dockerode's Task has logs(); its types do not say so.
    const task = this.docker.getTask(taskId) as unknown as { logs(opts: Record<string, unknown>): Promise<Buffer | string> }
    const raw = await task.logs({ stdout: true, stderr: true, timestamps: true, since, abortSignal: AbortSignal.timeout(timeoutMs) })
    return demux(raw)
  }

  /** Removes the service; already gone is fine. */
  async remove(name: string): Promise<void> {
    await unlessMissing(this.docker.getService(name).remove(), undefined)
  }

  // Swarm configs hold the deploy lock and the state of a run in progress: they can be created only
  // once per name (so creating one is an atomic test-and-set), and their labels can be updated.

  /** Creates a config; false when one of that name exists already. */
  async createConfig(name: string, labels: Record<string, string>, data: string): Promise<boolean> {
    try {
      await dial(this.docker, {
        path: '/configs/create?',
        method: 'POST',
        options: { _query: {}, _body: { Name: name, Labels: labels, Data: Buffer.from(data).toString('base64') } },
        statusCodes: { 201: true, 409: 'name conflicts with an existing object', 500: 'server error', 503: 'node is not part of a swarm' }
      })
      return true
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false
      throw new Error(`Swarm refused to create config '${name}': ${apiMessage(error)}`)
    }
  }

  async findConfig(name: string): Promise<Docker.ConfigInfo | undefined> {
    return unlessMissing(this.docker.getConfig(name).inspect() as Promise<Docker.ConfigInfo>, undefined)
  }

  async configsLabelled(label: string, value: string): Promise<Docker.ConfigInfo[]> {
    return (await this.docker.listConfigs(byLabel(label, value))) as Docker.ConfigInfo[]
  }

  /** Replaces a config's labels (the only part Swarm lets change). */
  async relabelConfig(config: Docker.ConfigInfo, labels: Record<string, string>): Promise<void> {
    await dial(this.docker, {
      path: `/configs/${encodeURIComponent(config.ID)}/update?`,
      method: 'POST',
      options: { _query: { version: config.Version.Index }, _body: { ...config.Spec, Labels: labels } },
      statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such config', 500: 'server error', 503: 'node is not part of a swarm' }
    })
  }

  async removeConfig(id: string): Promise<void> {
    await unlessMissing(this.docker.getConfig(id).remove(), undefined)
  }

  /** The last log lines of a task's container, each prefixed for the report; empty when unreadable. */
  containerTail(containerId: string, lines = 20): Promise<string[]> {
    return containerTail(this.docker, containerId, lines)
  }
}

/** The call's result, or `fallback` when the Engine answers 404: what is looked for or removed is not there. */
async function unlessMissing<T, F>(call: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await call
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return fallback
    throw error
  }
}

function apiMessage(error: unknown): string {
  return (error as { json?: { message?: string } }).json?.message ?? (error as Error).message
}

function dial(docker: Docker, options: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options as never, (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)))
  })
}

/** The list filter for objects with `label` set to `value`. */
function byLabel(label: string, value: string): { filters: string } {
  return { filters: JSON.stringify({ label: [`${label}=${value}`] }) }
}
