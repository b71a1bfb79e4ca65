// Pure reading of plain containers: what one container is (on the service's network, by release, by
// health) and what a set of them amounts to, as the ReplicaObservation the engine judges.
import type { ReplicaObservation } from '../rollout/observation.js'
import type { ContainerInfo } from './docker-api.js'
import { RELEASE_LABEL } from '../release/release-ref.js'

/** Labels on the containers this project makes; `zdd.service` is also what marks a workload made by hand. */
export const SERVICE_LABEL = 'zdd.service'
export const ALIAS_LABEL = 'zdd.alias'
export const NETWORK_LABEL = 'zdd.network'

export interface ContainerView {
  id: string
  name: string
  imageId: string
  /** Config.Image as written when it was created. */
  image: string
  created: number
  labels: Record<string, string>
  /** Docker's state: created, running, restarting, exited, paused, dead, removing. */
  state: string
  /** Docker's health status (starting, healthy, unhealthy); undefined without a health check. */
  health?: string
  healthLog?: string
  restartCount: number
  exitCode: number
  error: string
  /** Its address on the service's network, when it is on it and running. */
  ip?: string
  /** Its aliases on the service's network, without the container ID Docker adds by itself. */
  aliases: string[]
  onNetwork: boolean
}

export function viewOf(info: ContainerInfo, network: { id: string; name: string }): ContainerView {
  const endpoint = Object.entries(info.NetworkSettings?.Networks ?? {}).find(([name, e]) => name === network.name || e.NetworkID === network.id)?.[1]
  const short = info.Id.slice(0, 12)
  const health = info.State.Health
  const lastLog = health?.Log?.at(-1)
  const view: ContainerView = {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    imageId: info.Image,
    image: info.Config?.Image ?? '',
    created: Date.parse(info.Created) || 0,
    labels: info.Config?.Labels ?? {},
    state: info.State.Status,
    restartCount: info.RestartCount ?? 0,
    exitCode: info.State.ExitCode,
    error: info.State.Error ?? '',
    aliases: ((endpoint?.Aliases ?? []) as string[]).filter((a) => a !== short && a !== info.Id),
    onNetwork: endpoint !== undefined
  }
  if (health?.Status && health.Status !== 'none') view.health = health.Status
  if (lastLog && lastLog.ExitCode !== 0) view.healthLog = lastLog.Output.trim().split('\n').at(-1)?.slice(0, 200) ?? ''
  if (endpoint?.IPAddress) view.ip = endpoint.IPAddress
  return view
}

/**
 * What tells the containers of one release apart: the image ID, and the release identity label when the
 * release has one (a config release runs the same image with other env or labels).
 */
export function releaseKey(imageId: string, id: string | undefined): string {
  return id ? `${imageId}#${id}` : imageId
}

export function keyOf(c: ContainerView): string {
  return releaseKey(c.imageId, c.labels[RELEASE_LABEL])
}

/** The image ID in a release key (what a container that is never started can be created from). */
export function imageOfKey(key: string): string {
  return key.split('#')[0]
}

export function isRunning(c: ContainerView): boolean {
  return c.state === 'running'
}

/** Running and, where it has a health check, healthy. */
export function isReady(c: ContainerView): boolean {
  return c.state === 'running' && (c.health === undefined || c.health === 'healthy')
}

/** A new container that did not survive: it exited, restarts, or its health check gave up on it. */
export function isFailed(c: ContainerView): boolean {
  return ['exited', 'dead', 'restarting'].includes(c.state) || c.restartCount > 0 || c.health === 'unhealthy'
}

export function isStarting(c: ContainerView): boolean {
  return c.state === 'created' || (c.state === 'running' && c.health === 'starting')
}

/** Running and in the service's alias: a proxy that resolves the alias sends it requests. */
export function isServing(c: ContainerView, alias: string): boolean {
  return c.state === 'running' && c.aliases.includes(alias)
}

export function describeFailure(c: ContainerView): string {
  if (c.health === 'unhealthy' && c.state === 'running') return `container ${c.name} unhealthy${c.healthLog ? `: ${c.healthLog}` : ''}`
  // Started again by its restart policy: running now, but it did exit.
  if (c.state === 'running' && c.restartCount > 0) return `container ${c.name} exited and was restarted ${c.restartCount} time(s)`
  const restarts = c.restartCount > 0 ? `, restarted ${c.restartCount} time(s)` : ''
  const code = c.exitCode !== 0 ? ` (exit ${c.exitCode}${restarts})` : restarts ? ` (${restarts.slice(2)})` : ''
  return `container ${c.name} ${c.state}${code}${c.error ? `: ${c.error}` : ''}`
}

export interface ObserveRules {
  /** Whether a container belongs to the release being observed. */
  onRelease(c: ContainerView): boolean
  desired: number
  /** Failures count only for containers created since (epoch ms). */
  since: number
  /** The shared alias: containers of other releases count while they serve under it. */
  alias: string
  /** A container counts as ready only once it serves under the alias (the revert waits for that). */
  readyMeansServing?: boolean
}

export function observeContainers(containers: readonly ContainerView[], rules: ObserveRules): ReplicaObservation {
  const o: ReplicaObservation = { desired: rules.desired, ready: 0, starting: 0, failed: 0, others: 0, failures: [] }
  const failures: Array<{ at: number; text: string }> = []
  for (const c of containers) {
    if (!rules.onRelease(c)) {
      if (isServing(c, rules.alias)) o.others++
      continue
    }
    if (c.created >= rules.since && isFailed(c)) {
      o.failed++
      failures.push({ at: c.created, text: describeFailure(c) })
    } else if (isReady(c) && (!rules.readyMeansServing || isServing(c, rules.alias))) {
      o.ready++
    } else if (isStarting(c) || isReady(c)) {
      o.starting++
    }
  }
  o.failures = failures.sort((x, y) => y.at - x.at).map((f) => f.text)
  return o
}

/** The health gate's URL at a container's own address: same scheme, port, path and query. */
export function urlAt(url: URL, ip: string): URL {
  const at = new URL(url.href)
  at.hostname = ip.includes(':') ? `[${ip}]` : ip
  return at
}
