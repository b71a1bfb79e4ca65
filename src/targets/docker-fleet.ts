// What is done to plain containers, shared by the workload and its canary and preview: create and
// start them, put them in or out of the alias, drain, stop and remove them.
//
// Taking a container out of service without dropping requests (measured, see docs/design.md): it leaves
// the alias but keeps its address, so Docker's DNS stops returning it while whatever still sends to it
// (in-flight requests, a proxy that re-resolves on its own schedule) is still answered. Docker cannot
// edit an endpoint's aliases, so the container is disconnected and at once reconnected with the same IP
// and the new aliases; a fixed IP is only accepted on a network with a user-configured subnet, which is
// checked once per network with a throwaway container. Without one, the old container stays in the
// alias until it stops: `pre-stop` runs first (to fail its health check), then `drain`, then the stop.
import { randomBytes } from 'node:crypto'
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { containerConfig, type ContainerTemplate } from './container-spec.js'
import { apiMessage, type DockerApi } from './docker-api.js'
import { isReady, isRunning, isServing, viewOf, type ContainerView } from './docker-workload.js'

export interface DockerSettings {
  /** How long a container out of the alias keeps serving before it is stopped. */
  drainMs: number
  /** Run in a container after its drain, before it is stopped. */
  preStop?: string[]
  /** Bound of a wait for containers to become healthy outside the engine (a revert), and of pre-stop. */
  deadlineMs: number
  clock: Clock
  log: Log
}

export interface ServiceNetwork {
  id: string
  name: string
}

const POLL_MS = 1000
const MIN_WAIT_MS = 60_000

export class Fleet {
  private readonly keeping = new Map<string, Promise<boolean>>()

  constructor(
    readonly api: DockerApi,
    readonly settings: DockerSettings
  ) {}

  get log(): Log {
    return this.settings.log
  }

  async views(labels: Record<string, string>, network: ServiceNetwork): Promise<ContainerView[]> {
    return (await this.api.inspectAll(labels)).map((info) => viewOf(info, network)).sort((a, b) => a.created - b.created || a.name.localeCompare(b.name))
  }

  /**
   * Whether a container can leave the alias and keep its address on this network: a throwaway container
   * (never started) is disconnected and reconnected with a fixed IP, which the Engine refuses unless the
   * network has a user-configured subnet. Asked once per network; says so when it cannot.
   */
  canKeepAddresses(network: ServiceNetwork, image: string): Promise<boolean> {
    let known = this.keeping.get(network.id)
    if (!known) {
      known = this.probeAddresses(network, image)
      this.keeping.set(network.id, known)
    }
    return known
  }

  private async probeAddresses(network: ServiceNetwork, image: string): Promise<boolean> {
    const info = await this.api.network(network.id)
    // A subnet shown without a gateway was given by the user: no need to ask.
    if (info?.subnets.some((s) => !s.gateway)) return true
    const candidate = info?.subnets.map((s) => lastHost(s.subnet)).find((ip) => ip !== undefined)
    let refusal = 'it has no IPv4 subnet'
    if (candidate) {
      const name = `zdd-probe-${randomBytes(6).toString('hex')}`
      const id = await this.api.create({ name, Image: image, Labels: { 'zdd.probe': 'subnet' }, HostConfig: { NetworkMode: network.id } })
      try {
        if (id) {
          await this.api.disconnect(network.id, id)
          await this.api.connect(network.id, id, { IPAMConfig: { IPv4Address: candidate } })
          return true
        }
      } catch (error) {
        refusal = apiMessage(error)
      } finally {
        if (id) await this.api.remove(id).catch(() => undefined)
      }
    }
    this.log.warning(
      `Network ${network.name} cannot keep a container's address when it leaves the alias (${refusal}): old containers stay in the alias until they stop, ` +
        `so a proxy may still send them requests. They are stopped in the best order left: pre-stop${this.settings.preStop ? '' : ' (not set)'}, then drain, then the stop. ` +
        `Create the network with --subnet to drain without dropped requests.`
    )
    return false
  }

  /** Creates `count` containers from the template and starts them; returns their IDs. */
  async create(
    template: ContainerTemplate,
    args: { count: number; image: string; namePrefix: string; labels: Record<string, string>; aliases: string[] }
  ): Promise<string[]> {
    const ids: string[] = []
    for (let i = 0; i < args.count; i++) {
      const name = `${args.namePrefix}-${randomBytes(3).toString('hex')}`
      const id = await this.api.create(containerConfig(template, { name, image: args.image, labels: args.labels, aliases: args.aliases }))
      if (!id) throw new Error(`A container named ${name} already exists`)
      ids.push(id)
      for (const extra of template.extraNetworks) {
        await this.api.connect(extra.network, id, extra.aliases.length ? { Aliases: extra.aliases } : {})
      }
    }
    await Promise.all(ids.map((id) => this.api.start(id)))
    this.log.info(`  started ${ids.length} container(s) of ${args.image}`)
    return ids
  }

  /** Puts containers under exactly these aliases, keeping their addresses where the network allows. */
  async setAliases(containers: readonly ContainerView[], network: ServiceNetwork, aliases: string[]): Promise<void> {
    // One at a time: an address let go by one reconnect must not be taken by another.
    for (const c of containers) await this.reattach(c, network, aliases)
  }

  private async reattach(c: ContainerView, network: ServiceNetwork, aliases: string[]): Promise<void> {
    await this.api.disconnect(network.id, c.id)
    const keep: Docker.EndpointSettings = c.ip ? { IPAMConfig: { IPv4Address: c.ip } } : {}
    try {
      await this.api.connect(network.id, c.id, { ...keep, Aliases: aliases })
    } catch (error) {
      if (!c.ip) throw error
      // The address went meanwhile, or the network takes no fixed IP: reachable again under a new one.
      this.log.warning(`Container ${c.name} could not keep ${c.ip} on ${network.name} (${apiMessage(error)}); it gets a new address`)
      await this.api.connect(network.id, c.id, { Aliases: aliases })
    }
  }

  /**
   * Takes containers out of service and stops them. Keeping addresses: out of the alias (still
   * reachable), `drain`, `pre-stop`, stop. Otherwise: `pre-stop`, `drain`, stop.
   */
  async retire(containers: readonly ContainerView[], network: ServiceNetwork, alias: string, keepsAddresses: boolean, signal?: AbortSignal): Promise<void> {
    const running = containers.filter(isRunning)
    if (running.length === 0) return
    const names = running.map((c) => c.name).join(', ')
    const serving = running.filter((c) => isServing(c, alias))
    if (keepsAddresses) {
      await this.setAliases(serving, network, [])
      if (serving.length) await this.wait(`  drained ${serving.map((c) => c.name).join(', ')} (out of the alias, still reachable at ${serving.map((c) => c.ip).join(', ')}); waiting`, signal)
      await this.preStop(running)
    } else {
      await this.preStop(running)
      if (serving.length) await this.wait(`  waiting`, signal)
    }
    await Promise.all(running.map((c) => this.api.stop(c.id)))
    this.log.info(`  stopped ${names}`)
  }

  /**
   * Waits `drain` after containers joined the alias, before others leave it. A proxy that re-resolves the
   * alias and gets, in one answer, one address gone and another new, moves a server from the old address
   * to the new one (HAProxy's server-template does) and goes on sending over the connections it holds to
   * the old address, kept alive, until the old container stops and cuts them (measured: 53 of 8 206
   * requests failed with keep-alive connections and an app that exits at once; 0 of 12 086 with this wait). Seen
   * one after the other, the old address is a server that goes away: no new request is sent to it.
   */
  async settle(joined: readonly ContainerView[], signal?: AbortSignal): Promise<void> {
    await this.wait(`  ${joined.map((c) => c.name).join(', ')} in the alias before the old one(s) leave it; waiting`, signal)
  }

  /** Retires what still runs, then removes every one of them. */
  async discard(containers: readonly ContainerView[], network: ServiceNetwork, alias: string, keepsAddresses: boolean): Promise<void> {
    if (containers.length === 0) return
    await this.retire(containers, network, alias, keepsAddresses)
    await Promise.all(containers.map((c) => this.api.remove(c.id)))
    this.log.info(`  removed ${containers.map((c) => c.name).join(', ')}`)
  }

  /** Starts stopped containers again (the same ones, as they were), letting go of a fixed address that was taken meanwhile. */
  async restart(containers: readonly ContainerView[], network: ServiceNetwork): Promise<void> {
    await Promise.all(
      containers
        .filter((c) => !isRunning(c))
        .map(async (c) => {
          try {
            await this.api.start(c.id)
          } catch (error) {
            this.log.warning(`${(error as Error).message}; trying again without its fixed address`)
            await this.api.disconnect(network.id, c.id).catch(() => undefined)
            await this.api.connect(network.id, c.id, { Aliases: [] })
            await this.api.start(c.id)
          }
        })
    )
  }

  /** Waits until `read()` shows every container ready, within the deadline; the views once they are. */
  async waitReady(read: () => Promise<ContainerView[]>, what: string): Promise<ContainerView[]> {
    const { clock } = this.settings
    const deadline = clock.now() + Math.max(this.settings.deadlineMs, MIN_WAIT_MS)
    for (;;) {
      const views = await read()
      if (views.every(isReady)) return views
      if (clock.now() >= deadline) {
        const seen = views.filter((c) => !isReady(c)).map((c) => `${c.name} ${c.state}${c.health ? ` (${c.health})` : ''}`)
        throw new Error(`${what} did not become ready within ${Math.round(Math.max(this.settings.deadlineMs, MIN_WAIT_MS) / 1000)}s: ${seen.join(', ')}`)
      }
      await clock.sleep(POLL_MS)
    }
  }

  private async wait(message: string, signal?: AbortSignal): Promise<void> {
    const { drainMs, clock } = this.settings
    if (drainMs <= 0) return
    this.log.info(`${message} ${formatMs(drainMs)} (drain)`)
    await clock.sleep(drainMs, signal)
  }

  private async preStop(containers: readonly ContainerView[]): Promise<void> {
    const cmd = this.settings.preStop
    if (!cmd) return
    await Promise.all(
      containers.map(async (c) => {
        try {
          const { exitCode, output } = await this.api.exec(c.id, cmd, this.settings.deadlineMs)
          if (exitCode === 0) this.log.info(`  pre-stop in ${c.name}: done`)
          else this.log.warning(`pre-stop in ${c.name} exited with ${exitCode}${output ? `: ${output.split('\n').slice(-3).join(' | ')}` : ''}; stopping it anyway`)
        } catch (error) {
          this.log.warning(`pre-stop in ${c.name} failed: ${(error as Error).message}; stopping it anyway`)
        }
      })
    )
  }
}

/** The last host address of an IPv4 subnet (a likely free one, for the address probe), e.g. 10.1.2.254 for 10.1.2.0/24. */
export function lastHost(cidr: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
  if (!match) return undefined
  const bits = Number(match[5])
  if (bits > 30) return undefined
  const base = match.slice(1, 5).reduce((n, part) => n * 256 + Number(part), 0)
  const last = (base | (2 ** (32 - bits) - 1)) >>> 0
  const host = last - 1
  return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join('.')
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`
}
