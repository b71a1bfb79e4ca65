// pre-stop on Swarm: a command run in each old replica as soon as Swarm starts its replacement, e.g. one
// that makes its health check fail, so that a proxy with health checks stops sending it requests before
// Swarm stops it (Swarm stops the old task of a slot once the new task of that slot is running, takes it
// out of DNS, waits 2 s and sends the stop signal; a proxy whose view of DNS lags, or an app that exits at
// once, then drops requests). Swarm chooses which slot a batch replaces; the new task of a slot appears
// seconds before it is healthy, which is when the old task of that slot is known and drained.
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import { onRelease } from '../release/release-ref.js'
import type { SwarmTask } from './swarm-tasks.js'

// A pre-stop command gets this long; the replica is stopped by Swarm anyway.
const PRE_STOP_TIMEOUT_MS = 10_000
const STARTED_OR_RUNNING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'])

/**
 * The running tasks that are not on `release` and whose slot (node, for a global service) has a task of
 * `release` that Swarm is starting or runs: the replicas Swarm stops next. Pure.
 */
export function tasksBeingReplaced(tasks: SwarmTask[], release: string): SwarmTask[] {
  const key = (t: SwarmTask): string | undefined => (t.Slot !== undefined && t.Slot !== 0 ? `slot ${t.Slot}` : t.NodeID ? `node ${t.NodeID}` : undefined)
  const isNew = (t: SwarmTask): boolean => onRelease(t.Spec?.ContainerSpec?.Image, t.Spec?.ContainerSpec?.Labels, release)
  const replacing = new Set(
    tasks
      .filter((t) => isNew(t) && t.DesiredState === 'running' && STARTED_OR_RUNNING.has(t.Status?.State ?? ''))
      .map(key)
      .filter((k): k is string => k !== undefined)
  )
  return tasks.filter((t) => {
    const k = key(t)
    return k !== undefined && replacing.has(k) && !isNew(t) &&
      t.DesiredState === 'running' && t.Status?.State === 'running'
  })
}

/** The tasks of a service that run and are meant to: those a removal of the service stops. Pure. */
export function runningTasks(tasks: SwarmTask[]): SwarmTask[] {
  return tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running')
}

/**
 * A task of the service that Swarm means to run and that is not one of `known` (the tasks there were
 * when the drain began): a replacement. Once
 * pre-stop fails a drained task's Docker health check too, Swarm replaces it, and the replacement would
 * be routed as soon as it is healthy, then stopped with the service only 2 s after its DNS records go.
 * Pure.
 */
export function replacementStarted(tasks: SwarmTask[], known: ReadonlySet<string>): SwarmTask | undefined {
  return tasks.find((t) => t.DesiredState === 'running' && !known.has(t.ID))
}

/** Runs the pre-stop command once in each replica about to be replaced (see tasksBeingReplaced). */
export class SwarmPreStop {
  private readonly seen = new Set<string>()
  private readonly running: Promise<void>[] = []
  private nodeId?: Promise<string | undefined>

  constructor(
    private readonly docker: Docker,
    private readonly command: string[],
    private readonly log: Log
  ) {}

  /** Starts the command in every newly found replica being replaced; does not wait for it. */
  drain(tasks: SwarmTask[], release: string): void {
    for (const task of tasksBeingReplaced(tasks, release)) {
      if (this.seen.has(task.ID)) continue
      this.seen.add(task.ID)
      this.running.push(this.runIn(task, 'which Swarm replaces next'))
    }
  }

  /** Runs the command in each of `tasks` (a companion's, before it is removed) and waits for them all. */
  async drainAll(tasks: SwarmTask[], why: string): Promise<void> {
    await Promise.all(tasks.filter((t) => !this.seen.has(t.ID)).map((task) => {
      this.seen.add(task.ID)
      return this.runIn(task, why)
    }))
  }

  /** Waits for the commands started so far (each bounded). */
  async settled(): Promise<void> {
    await Promise.all(this.running)
  }

  /** Runs the command in one task; a failure is a warning (the replica is stopped anyway). */
  private async runIn(task: SwarmTask, why: string): Promise<void> {
    const name = `task ${task.ID.slice(0, 12)} (slot ${task.Slot ?? '-'})`
    await this.exec(task, name, why).catch((error: unknown) => {
      this.log.warning(`pre-stop in ${name} failed: ${(error as Error).message}`)
    })
  }

  private async exec(task: SwarmTask, name: string, why: string): Promise<void> {
    this.nodeId ??= this.docker.info().then((info: { Swarm?: { NodeID?: string } }) => info.Swarm?.NodeID, () => undefined)
    const here = await this.nodeId
    const containerId = task.Status?.ContainerStatus?.ContainerID
    if (!containerId || (here && task.NodeID && task.NodeID !== here)) {
      // The Engine API runs commands only in containers of the node it is on.
      this.log.warning(`pre-stop cannot run in ${name}: it runs on node ${task.NodeID ?? '?'}, not on the node of docker-host; it is stopped without it`)
      return
    }
    const started = Date.now()
    const exec = await this.docker.getContainer(containerId).exec({ Cmd: this.command, AttachStdout: true, AttachStderr: true })
    const stream = await exec.start({ hijack: true, stdin: false })
    let output = ''
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy()
        resolve()
      }, PRE_STOP_TIMEOUT_MS)
      stream.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-2000)))
      for (const end of ['end', 'close', 'error']) stream.on(end, () => { clearTimeout(timer); resolve() })
    })
    const { ExitCode: code, Running: stillRunning } = await exec.inspect()
    const took = `${((Date.now() - started) / 1000).toFixed(1)}s`
    if (stillRunning) this.log.warning(`pre-stop in ${name} still runs after ${PRE_STOP_TIMEOUT_MS / 1000}s; no longer waited for`)
    else if (code === 0) this.log.info(`  pre-stop in ${name}, ${why}: done in ${took}`)
    else this.log.warning(`pre-stop in ${name} exited with ${code} after ${took}: ${printable(output)}`)
  }
}

/** The command's output without the 8-byte frame headers of Docker's multiplexed stream. */
function printable(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/[\x00-\x08\x0e-\x1f]/g, '').trim().split('\n').slice(-3).join(' | ') || 'no output'
}
