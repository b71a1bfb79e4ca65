// Plain containers on one Docker host as a rollout target: the workload is every container labelled
// zdd.service=<service>, serving under a shared alias on a user-defined network. A batch starts new
// containers cloned from a running one (see container-spec.ts) off the alias; once they are healthy and
// pass the HTTP gate at their own addresses, they join the alias and the old batch is drained and
// stopped (cutOver, docker-fleet.ts). Old containers are only stopped, not removed, until the whole new
// set passed every gate: a revert starts the same containers again, needs no pull, and drains the new.
import { readFile } from 'node:fs/promises'
import { InputError } from '../config/input-error.js'
import { parseEnvFile, type PlatformChoice, type PlainHostConfig } from '../config/parse-platform.js'
import type { ConfigChange } from '../config/types.js'
import { changeBetween } from '../release/config-change.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { BatchStep } from '../rollout/plan.js'
import { cloneTemplate, firstTemplate, publishedHostPorts, templateConfig, withConfig, type ContainerTemplate } from './container-spec.js'
import type { ContainerInfo } from './docker-api.js'
import { Fleet, type ServiceNetwork } from './docker-fleet.js'
import {
  ALIAS_LABEL, describeFailure, imageOfKey, isFailed, isReady, isRunning, isServing, keyOf, NETWORK_LABEL, observeContainers, releaseKey, SERVICE_LABEL, urlAt, viewOf,
  type ContainerView
} from './docker-workload.js'
import type { StableTarget } from './platform.js'
import { PREVIOUS_CONFIG_LABEL, PREVIOUS_LABEL } from './release-labels.js'
import { releaseConfig } from './release-spec.js'
import { digestOf, imageOf, parseRelease } from '../release/release-ref.js'
import type { Capture } from './target.js'

export interface DockerCapture extends Capture {
  network: ServiceNetwork
  /** The shared alias a proxy resolves. */
  alias: string
  /** Every alias the workload answers to on the network, the shared one first. */
  aliases: string[]
  /** The containers serving when captured: exactly these come back on a revert. */
  containers: string[]
  /** Their image, for what must be created before the release is on the host (the deploy lock). */
  imageId?: string
  template: ContainerTemplate
}

export interface DockerTargetOptions {
  /** What the platform input was: the message for a service with nothing running depends on it. */
  platform: PlatformChoice
  plainHost: PlainHostConfig
  /** The env/labels edits of the release being rolled out (a config release). */
  change?: ConfigChange
}

export class DockerTarget implements StableTarget<DockerCapture> {
  private readonly releaseIds = new Map<string, string>()
  /** The release a revert is bringing back (the captured containers), once restore was called. */
  private backTo?: string

  constructor(
    readonly fleet: Fleet,
    readonly service: string,
    private readonly options: DockerTargetOptions
  ) {}

  async capture(beforeLock = false): Promise<DockerCapture> {
    const { api, log } = this.fleet
    const infos = await api.inspectAll({ [SERVICE_LABEL]: this.service })
    const network = await this.findNetwork(infos)
    const alias = this.aliasOf(infos)
    const views = infos.map((info) => viewOf(info, network))
    const running = views.filter(isRunning)
    const live = running.filter((c) => c.aliases.includes(alias))
    if (!live.length) {
      // Containers made by hand (without our labels) that do not serve under the alias are not ours to
      // replace from the inputs; ours out of service are an interrupted first deploy's, removed as leftovers.
      const handMade = views.filter((c) => c.labels[ALIAS_LABEL] === undefined)
      const seen = [...new Set(handMade.filter(isRunning).flatMap((c) => c.aliases))]
      if (handMade.some(isRunning)) {
        throw new InputError('alias', alias, `an alias the running containers of ${this.service} have on network ${network.name} (they have ${seen.length ? seen.join(', ') : 'none'})`)
      }
      if (handMade.length) {
        throw new InputError('service', this.service, `a service with running containers (${handMade.map((c) => c.name).join(', ')} ${handMade.length > 1 ? 'are' : 'is'} stopped: start ${handMade.length > 1 ? 'them' : 'it'}, or remove ${handMade.length > 1 ? 'them' : 'it'} for a first deploy from the inputs)`)
      }
      return this.firstCapture(network, alias)
    }

    // The release most of them run; the newest of those is the one cloned.
    const byImage = new Map<string, ContainerView[]>()
    for (const c of live) byImage.set(c.imageId, [...(byImage.get(c.imageId) ?? []), c])
    const majority = [...byImage.values()].sort((a, b) => b.length - a.length)[0]
    const source = infos.find((i) => i.Id === majority.at(-1)?.id) as ContainerInfo
    checkCloneable(source, this.service)
    const oldImage = await api.image(source.Image)
    const image = pinned(source.Config.Image, oldImage?.RepoDigests)
    const aliases = [alias, ...(majority.at(-1)?.aliases ?? []).filter((a) => a !== alias)]
    const ports = live.flatMap((c) => publishedHostPorts(infos.find((i) => i.Id === c.id) as ContainerInfo))
    if (ports.length && beforeLock) {
      log.warning(`Containers of ${this.service} publish host port(s) ${[...new Set(ports)].join(', ')}: their replacements are created without them ` +
        `(two containers cannot bind one host port); route to the alias ${alias} through a proxy on ${network.name} instead`)
    }
    const { plainHost } = this.options
    if (beforeLock && (plainHost.envFile || plainHost.replicas !== 1)) {
      log.warning(`env-file and replicas apply to a first deploy only: the containers of ${this.service} keep their own environment (changed by env only), and their number (${live.length})`)
    }
    const unserved = running.filter((c) => !c.aliases.includes(alias))
    const stopped = views.filter((c) => !isRunning(c))
    const releases = byImage.size > 1 ? ` on ${byImage.size} releases` : ''
    const recordedPrevious = source.Config.Labels?.[PREVIOUS_LABEL]
    const recordedChange = source.Config.Labels?.[PREVIOUS_CONFIG_LABEL]
    const template = cloneTemplate(source, oldImage?.Config, network.name)
    return {
      id: this.service,
      name: this.service,
      image,
      replicas: live.length,
      network,
      alias,
      aliases,
      containers: live.map((c) => c.id),
      imageId: source.Image,
      template,
      config: templateConfig(template),
      ...(recordedPrevious ? { recordedPrevious } : {}),
      ...(recordedChange ? { recordedChange } : {}),
      ...(source.Config.Healthcheck ? { healthCheck: source.Config.Healthcheck } : {}),
      facts: {
        containers: `${live.length}${releases} under alias ${alias} on ${network.name}`,
        ...(unserved.length || stopped.length ? { leftovers: `${unserved.length} out of the alias, ${stopped.length} stopped (removed when the rollout starts)` } : {}),
        healthcheck: source.Config.Healthcheck?.Test?.join(' ') ?? 'none'
      }
    }
  }

  /** Nothing runs yet: the first containers are made from the inputs. */
  private async firstCapture(network: ServiceNetwork, alias: string): Promise<DockerCapture> {
    const { plainHost } = this.options
    const fileEnv = plainHost.envFile ? parseEnvFile(await readEnvFile(plainHost.envFile)) : []
    const template = firstTemplate(network.name, fileEnv.map(({ key, value }) => `${key}=${value}`))
    return {
      id: this.service,
      name: this.service,
      image: '',
      replicas: 0,
      network,
      alias,
      aliases: [alias],
      containers: [],
      template,
      config: templateConfig(template),
      facts: { containers: `none yet: a first deploy of ${plainHost.replicas} under alias ${alias} on ${network.name}` }
    }
  }

  /** The service's alias: the one its containers record, else the input, else the service name. */
  private aliasOf(infos: ContainerInfo[]): string {
    return labelOf(infos, ALIAS_LABEL) ?? this.options.plainHost.alias ?? this.service
  }

  private async findNetwork(infos: ContainerInfo[]): Promise<ServiceNetwork> {
    const { api, log } = this.fleet
    const input = this.options.plainHost.network
    let name = labelOf(infos, NETWORK_LABEL)
    if (!name) {
      // The networks of the running containers; when none runs, of the stopped ones.
      const running = infos.filter((i) => i.State.Running)
      const onNetworks = networksOf(running.length ? running : infos).filter((n) => !['bridge', 'host', 'none'].includes(n))
      if (input) name = input
      else if (onNetworks.length === 1) name = onNetworks[0]
      else if (onNetworks.length > 1) throw new InputError('network', '', `the network of the alias: the containers of ${this.service} are on ${onNetworks.join(', ')}`)
    } else if (input && input !== name) {
      log.warning(`network ${input} is ignored: the containers of ${this.service} are on ${name}, where the rollout stays`)
    }
    if (!name) {
      if (infos.length === 0 && this.options.platform === 'auto') {
        throw new InputError('service', this.service, `the name of a Swarm service, or of containers labelled ${SERVICE_LABEL}=${this.service} on this Docker host; for their first deploy, set network`)
      }
      // Containers on Docker's default networks only (e.g. `docker run` without --network): say which.
      const why = infos.length
        ? `its containers are on no user-defined network (only ${networksOf(infos).join(', ') || 'no network'}): connect them to one under the alias ` +
          `(docker network connect --alias ${this.aliasOf(infos)} <network> <container>)`
        : `no container is labelled ${SERVICE_LABEL}=${this.service} yet`
      throw new InputError('network', '', `the user-defined network of ${this.service}'s alias, since ${why}`)
    }
    const found = await api.network(name)
    if (!found) throw new InputError('network', name, 'an existing user-defined network (docker network create --subnet <cidr> <name>)')
    if (['host', 'null'].includes(found.driver) || found.name === 'bridge') {
      throw new InputError('network', name, 'a user-defined network (Docker resolves aliases only on those)')
    }
    return { id: found.id, name: found.name }
  }

  async applyStep(capture: DockerCapture, step: BatchStep, release: string): Promise<void> {
    const releaseId = await this.releaseId(release)
    const keep = await this.fleet.canKeepAddresses(capture.network, imageOfKey(releaseId))
    const views = await this.views(capture)
    if (step.index === 1) {
      // What an interrupted or failed run left (stopped, or out of the alias on another release) goes first.
      const leftovers = views.filter((c) => !capture.containers.includes(c.id) && (keyOf(c) !== releaseId || !isRunning(c)))
      if (leftovers.length) {
        this.fleet.log.warning(`Removing ${leftovers.map((c) => c.name).join(', ')}: container(s) of ${this.service} left out of service by an earlier run`)
        await this.fleet.discard(leftovers, capture.network, capture.alias, keep)
      }
    }
    const fresh = (await this.views(capture)).filter((c) => this.isNew(capture, c, releaseId) && !isFailed(c))
    const missing = step.newReplicas - fresh.length
    if (missing <= 0) return
    await this.fleet.create(this.releaseTemplate(capture, release), {
      count: missing,
      image: imageOf(release),
      namePrefix: `${this.service}-${shortDigest(release)}`,
      labels: this.labels(capture, release),
      // Off the alias until verified, where they can join it later without a new address.
      aliases: keep ? [] : capture.aliases
    })
  }

  async observe(capture: DockerCapture, release: string, since: number): Promise<ReplicaObservation> {
    const views = await this.views(capture)
    const desired = capture.replicas || this.options.plainHost.replicas
    if (release === this.backTo) {
      return observeContainers(views, { onRelease: (c) => capture.containers.includes(c.id), desired: capture.replicas, since, alias: capture.alias, readyMeansServing: true })
    }
    const releaseId = await this.releaseId(release)
    // Every container of the release that did not serve before is this rollout's (a blue-green preview
    // started before this phase included): any of them failing fails the step, whenever it was created.
    return observeContainers(views, { onRelease: (c) => this.isNew(capture, c, releaseId), desired, since: 0, alias: capture.alias })
  }

  async cutOver(capture: DockerCapture, step: BatchStep, release: string, signal?: AbortSignal): Promise<void> {
    const releaseId = await this.releaseId(release)
    const keep = await this.fleet.canKeepAddresses(capture.network, imageOfKey(releaseId))
    const views = await this.views(capture)
    const joining = views.filter((c) => this.isNew(capture, c, releaseId) && isReady(c) && !sameAliases(c.aliases, capture.aliases))
    await this.fleet.setAliases(joining, capture.network, capture.aliases)
    if (joining.length) this.fleet.log.info(`  in service under ${capture.alias}: ${joining.map((c) => `${c.name} (${c.ip})`).join(', ')}`)
    const oldServing = views.filter((c) => !this.isNew(capture, c, releaseId) && isServing(c, capture.alias))
    const excess = oldServing.length - (step.total - step.newReplicas)
    if (excess <= 0) return
    // Joins and leaves seen by a proxy in one answer re-point its server slots to the new addresses, and
    // it keeps sending over its open connections to the old ones until they are cut (see settle).
    if (keep && joining.length) await this.fleet.settle(joining, signal)
    await this.fleet.retire(oldServing.slice(0, excess), capture.network, capture.alias, keep, signal)
  }

  /** Every gate passed: the old containers, kept stopped for a revert until now, are removed. */
  async complete(capture: DockerCapture, release: string): Promise<void> {
    const releaseId = await this.releaseId(release)
    const old = (await this.views(capture)).filter((c) => !this.isNew(capture, c, releaseId) && !isServing(c, capture.alias))
    if (old.length) await this.fleet.discard(old, capture.network, capture.alias, true)
  }

  /**
   * The captured containers start again (the same ones, stopped, not removed), are waited for until
   * healthy and rejoin the alias; then every other container of the service is drained and removed.
   */
  async restore(capture: DockerCapture, previous: string): Promise<void> {
    this.backTo = previous
    const { fleet } = this
    const keep = await fleet.canKeepAddresses(capture.network, capture.imageId ?? (await this.anyImage(capture)))
    const isOld = (c: ContainerView): boolean => capture.containers.includes(c.id)
    const old = (await this.views(capture)).filter(isOld)
    if (old.length < capture.containers.length) fleet.log.warning(`${capture.containers.length - old.length} of the previous containers are gone; bringing back the other ${old.length}`)
    const stopped = old.filter((c) => !isRunning(c))
    await fleet.restart(stopped, capture.network)
    if (stopped.length) fleet.log.info(`  started again: ${stopped.map((c) => c.name).join(', ')}`)
    const ready = await fleet.waitReady(async () => (await this.views(capture)).filter(isOld), `The previous containers of ${this.service}`)
    const back = ready.filter((c) => !sameAliases(c.aliases, capture.aliases))
    await fleet.setAliases(back, capture.network, capture.aliases)
    if (back.length) fleet.log.info(`  back in service under ${capture.alias}: ${back.map((c) => `${c.name} (${c.ip})`).join(', ')}`)
    const others = (await this.views(capture)).filter((c) => !isOld(c))
    if (keep && back.length && others.some((c) => isServing(c, capture.alias))) await fleet.settle(back)
    await fleet.discard(others, capture.network, capture.alias, keep)
  }

  async settle(): Promise<void> {}

  async failureLogs(capture: DockerCapture, release: string, since: number): Promise<string[]> {
    const releaseId = await this.releaseId(release).catch(() => '')
    const bad = (await this.views(capture)).filter((c) => this.isNew(capture, c, releaseId) && c.created >= since && (isFailed(c) || !isReady(c))).slice(0, 3)
    const lines: string[] = []
    for (const c of bad) lines.push(describeFailure(c), ...(await this.fleet.api.tail(c.id)))
    return lines
  }

  async probeUrls(capture: DockerCapture, release: string, url: URL): Promise<URL[]> {
    const views = await this.views(capture)
    const ofRelease = release === this.backTo ? views.filter((c) => capture.containers.includes(c.id)) : views.filter((c) => this.isNew(capture, c, this.releaseIds.get(release) ?? ''))
    return ofRelease.filter((c) => isReady(c) && c.ip).map((c) => urlAt(url, c.ip as string))
  }

  /** The health URL at each ready container serving under the alias. */
  async servingUrls(capture: DockerCapture, url: URL): Promise<URL[]> {
    return (await this.views(capture)).filter((c) => isReady(c) && isServing(c, capture.alias) && c.ip).map((c) => urlAt(url, c.ip as string))
  }

  /**
   * Our labels on every container made for the service: its service, alias and network, and what
   * operation rollback goes back to (the release before, and the env/labels edits that undo this one's).
   */
  labels(capture: DockerCapture, release: string): Record<string, string> {
    const undo = changeBetween(releaseConfig(capture.config, release, this.options.change), capture.config)
    return {
      [SERVICE_LABEL]: this.service,
      [ALIAS_LABEL]: capture.alias,
      [NETWORK_LABEL]: capture.network.name,
      ...(capture.image ? { [PREVIOUS_LABEL]: imageOf(capture.image) } : {}),
      ...(capture.image && (undo.env.length || undo.labels.length) ? { [PREVIOUS_CONFIG_LABEL]: JSON.stringify(undo) } : {})
    }
  }

  /** What the containers of `release` are created from: the workload's settings with the release's env and labels. */
  releaseTemplate(capture: DockerCapture, release: string): ContainerTemplate {
    return withConfig(capture.template, releaseConfig(capture.config, release, this.options.change))
  }

  views(capture: DockerCapture): Promise<ContainerView[]> {
    return this.fleet.views({ [SERVICE_LABEL]: this.service }, capture.network)
  }

  /** A container of this rollout: on the release and not one of those that served before. */
  isNew(capture: DockerCapture, c: ContainerView, releaseId: string): boolean {
    return keyOf(c) === releaseId && !capture.containers.includes(c.id)
  }

  /** The key of a release's containers (keyOf): its image ID, which must be on the host (the platform pulls it first), and identity. */
  async releaseId(release: string): Promise<string> {
    const known = this.releaseIds.get(release)
    if (known) return known
    const ref = imageOf(release)
    await this.fleet.api.pull(ref)
    const image = await this.fleet.api.image(ref)
    if (!image) throw new Error(`${ref} is not on the Docker host after its pull`)
    const key = releaseKey(image.Id, parseRelease(release).id)
    this.releaseIds.set(release, key)
    return key
  }

  private async anyImage(capture: DockerCapture): Promise<string> {
    return (await this.views(capture))[0]?.imageId ?? imageOfKey([...this.releaseIds.values()][0] ?? '')
  }
}

/** The first hex digits of the release's digest, for container names. */
export function shortDigest(release: string): string {
  const image = imageOf(release)
  return (digestOf(image) ?? image).replace(/^sha256:/, '').slice(0, 8)
}

function labelOf(infos: ContainerInfo[], label: string): string | undefined {
  return infos.map((i) => i.Config?.Labels?.[label]).find((v) => v)
}

function sameAliases(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

/** `repo:tag@sha256:…` from the image's repo digests, when the container was given a tag only. */
function pinned(image: string, repoDigests: string[] | undefined): string {
  if (digestOf(image)) return image
  const repository = image.replace(/:[^:/]+$/, '')
  const digest = repoDigests?.find((d) => d.startsWith(`${repository}@`))?.split('@')[1]
  return digest ? `${image}@${digest}` : image
}

/** Containers whose settings a clone could not reproduce or a revert could not bring back. */
function checkCloneable(source: ContainerInfo, service: string): void {
  const mode = source.HostConfig?.NetworkMode ?? ''
  if (source.HostConfig?.AutoRemove) {
    throw new Error(`Container ${source.Name.replace(/^\//, '')} of ${service} runs with --rm (AutoRemove): it would vanish when stopped, so a revert could not bring it back; start it without --rm`)
  }
  if (mode === 'host' || mode.startsWith('container:')) {
    throw new Error(`Container ${source.Name.replace(/^\//, '')} of ${service} uses network mode ${mode}, where it can have no alias; put it on a user-defined network`)
  }
}

async function readEnvFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new InputError('env-file', path, `a readable file of KEY=VALUE lines (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}

/** The networks these containers are on, each once. */
function networksOf(infos: ContainerInfo[]): string[] {
  return [...new Set(infos.flatMap((i) => Object.keys(i.NetworkSettings?.Networks ?? {})))]
}
