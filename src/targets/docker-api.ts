// The Docker Engine calls a plain-host target makes, with errors a person can act on. Shared by the
// workload (DockerTarget), its canary and preview, the deploy lock and the run records.
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import { containerTail, demux } from './container-logs.js'

/** The container fields this project reads (GET /containers/{id}/json), typed as the Engine sends them. */
export type ContainerInfo = Docker.ContainerInspectInfo & {
  Config: Docker.ContainerInspectInfo['Config'] & { StopSignal?: string; StopTimeout?: number }
  NetworkSettings: { Networks: Record<string, Docker.EndpointSettings> }
}

/** The image fields a clone is compared with (GET /images/{name}/json). */
export interface ImageConfig {
  Env?: string[]
  Cmd?: string[] | null
  Entrypoint?: string[] | string | null
  WorkingDir?: string
  User?: string
  Labels?: Record<string, string> | null
  Healthcheck?: Docker.HealthConfig
  StopSignal?: string
  ExposedPorts?: Record<string, object> | null
  Volumes?: Record<string, object> | null
}

export interface ImageInfo {
  Id: string
  RepoDigests?: string[]
  Config?: ImageConfig
}

export interface NetworkInfo {
  id: string
  name: string
  driver: string
  /**
   * Its IPv4 subnets. The Engine shows an automatic subnet with its gateway; a user-configured one shows a
   * gateway only when the user gave one, so only a subnet without one is known to be user-configured.
   */
  subnets: Array<{ subnet: string; gateway?: string }>
}

export class DockerApi {
  constructor(
    readonly docker: Docker,
    private readonly log: Log,
    /** X-Registry-Auth value (base64 JSON) for pulls from a private registry. */
    private readonly registryAuth?: string
  ) {}

  /** IDs of every container (running or not) that carries all these labels (`key=value`). */
  async list(labels: Record<string, string>): Promise<string[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) })
    const found = await this.docker.listContainers({ all: true, filters })
    return found.map((c) => c.Id)
  }

  /** The container, or undefined when it is gone. */
  async inspect(id: string): Promise<ContainerInfo | undefined> {
    return unlessMissing(this.docker.getContainer(id).inspect() as Promise<ContainerInfo>, undefined)
  }

  /** Inspects every container carrying these labels; ones removed meanwhile are left out. */
  async inspectAll(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const infos = await Promise.all((await this.list(labels)).map((id) => this.inspect(id)))
    return infos.filter((c): c is ContainerInfo => c !== undefined)
  }

  async image(ref: string): Promise<ImageInfo | undefined> {
    return unlessMissing(this.docker.getImage(ref).inspect() as Promise<ImageInfo>, undefined)
  }

  /** Pulls `ref` (repo:tag@sha256:… or repo@sha256:…) unless the engine has it already. */
  async pull(ref: string): Promise<void> {
    if (await this.image(ref)) return
    // By digest alone: the Engine does not take tag and digest together in a pull.
    const at = ref.lastIndexOf('@')
    const byDigest = at < 0 ? ref : `${ref.slice(0, at).replace(/:[^:/]+$/, '')}${ref.slice(at)}`
    this.log.info(`Pulling ${byDigest}`)
    try {
      const stream = await this.docker.pull(byDigest, this.registryAuth ? { authconfig: { base64: this.registryAuth } } : {})
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
          const failed = events?.find((e) => e.error)
          if (error || failed) reject(error ?? new Error(failed?.error))
          else resolve()
        })
      })
    } catch (error) {
      throw new Error(`The Docker host could not pull ${ref}: ${apiMessage(error)}`)
    }
  }

  async network(name: string): Promise<NetworkInfo | undefined> {
    const info = await unlessMissing(
      this.docker.getNetwork(name).inspect() as Promise<{ Id: string; Name: string; Driver: string; IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null } }>,
      undefined
    )
    if (!info) return undefined
    const subnets = (info.IPAM?.Config ?? [])
      .filter((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.Subnet ?? ''))
      .map((c) => ({ subnet: c.Subnet as string, ...(c.Gateway ? { gateway: c.Gateway } : {}) }))
    return { id: info.Id, name: info.Name, driver: info.Driver, subnets }
  }

  /** Creates a container; undefined when the name is taken (a name is an atomic test-and-set). */
  async create(options: Docker.ContainerCreateOptions): Promise<string | undefined> {
    try {
      const container = await this.docker.createContainer(options)
      return container.id
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return undefined
      throw new Error(`The Docker host refused to create container ${options.name ?? ''}: ${apiMessage(error)}`)
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start()
    } catch (error) {
      // 304: already running.
      if ((error as { statusCode?: number }).statusCode === 304) return
      throw new Error(`Container ${id.slice(0, 12)} could not be started: ${apiMessage(error)}`)
    }
  }

  /** Stops with the container's own stop signal and grace period (StopSignal, StopTimeout). */
  async stop(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).stop()
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode
      if (status === 304 || status === 404) return
      throw new Error(`Container ${id.slice(0, 12)} could not be stopped: ${apiMessage(error)}`)
    }
  }

  /** Removes the container and its anonymous volumes; already gone is fine. */
  async remove(id: string): Promise<void> {
    await unlessMissing(this.docker.getContainer(id).remove({ force: true, v: true }), undefined)
  }

  async connect(network: string, id: string, endpoint: Docker.EndpointSettings): Promise<void> {
    await this.docker.getNetwork(network).connect({ Container: id, EndpointConfig: endpoint })
  }

  async disconnect(network: string, id: string): Promise<void> {
    await this.docker.getNetwork(network).disconnect({ Container: id, Force: true })
  }

  /** Runs `cmd` in a running container; resolves to its exit code and output, or an error after `timeoutMs`. */
  async exec(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
    const stream = await exec.start({ hijack: true, stdin: false })
    const chunks: Buffer[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy()
        reject(new Error(`no exit within ${Math.round(timeoutMs / 1000)}s`))
      }, timeoutMs)
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        clearTimeout(timer)
        resolve()
      })
      stream.on('error', (error: Error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    const info = (await exec.inspect()) as { ExitCode: number | null }
    return { exitCode: info.ExitCode ?? -1, output: demux(Buffer.concat(chunks)).join('\n') }
  }

  /** The container's multiplexed stdout+stderr from its start, followed until it ends (Tty off). */
  async followLogs(id: string, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    return (await this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, abortSignal: signal })) as unknown as NodeJS.ReadableStream
  }

  /**
   * Resolves with the exit code once the container is not running. The signal ends the call: the wait
   * takes as long as the container runs, so it must not fall under a write's timeout.
   */
  async waitExit(id: string, signal: AbortSignal): Promise<number> {
    const result = (await this.docker.getContainer(id).wait({ abortSignal: signal })) as { StatusCode?: number; Error?: { Message?: string } | null }
    if (result.Error?.Message) throw new Error(result.Error.Message)
    return result.StatusCode ?? -1
  }

  /** The last log lines of a container, each prefixed for the report; empty when unreadable. */
  tail(id: string, lines = 20): Promise<string[]> {
    return containerTail(this.docker, id, lines)
  }

  /** Writes a one-file tar into a container (also one that never ran). */
  async putArchive(id: string, tar: Buffer): Promise<void> {
    await this.docker.getContainer(id).putArchive(tar, { path: '/' })
  }

  /** A file of a container as the tar the Engine sends, or undefined when there is no such file. */
  async getArchive(id: string, path: string): Promise<Buffer | undefined> {
    const stream = await unlessMissing(this.docker.getContainer(id).getArchive({ path }) as Promise<NodeJS.ReadableStream>, undefined)
    if (!stream) return undefined
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
    return Buffer.concat(chunks)
  }
}

/** The call's result, or `fallback` when the Engine answers 404. */
export async function unlessMissing<T, F>(call: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await call
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return fallback
    throw error
  }
}

export function apiMessage(error: unknown): string {
  return (error as { json?: { message?: string } }).json?.message ?? (error as Error).message
}
