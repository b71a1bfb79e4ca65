// The canary and the preview of plain containers. A canary is a set of containers beside the stable ones,
// labelled zdd.companion-of=<service> and zdd.role=canary, that joins the shared alias (and
// <alias>-canary, so a proxy or a baseline comparison can tell them apart) once healthy; it is removed,
// drained, when the run ends. A preview is the whole new set under <alias>-preview only; its containers
// are the service's (zdd.service) from the start, since the switch makes them its workload.
import { randomBytes } from 'node:crypto'
import { previewAliases } from '../rollout/blue-green-plan.js'
import type { ReplicaObservation } from '../rollout/observation.js'
import type { BatchStep } from '../rollout/plan.js'
import { companionName, COMPANION_OF_LABEL, ROLE_LABEL, type CompanionRole } from './companion-spec.js'
import type { ContainerInfo } from './docker-api.js'
import type { Fleet, ServiceNetwork } from './docker-fleet.js'
import { shortDigest, type DockerCapture, type DockerTarget } from './docker-target.js'
import { ALIAS_LABEL, describeFailure, imageOfKey, isFailed, isReady, keyOf, NETWORK_LABEL, observeContainers, urlAt, type ContainerView } from './docker-workload.js'
import { cloneTemplate, templateConfig } from './container-spec.js'
import { formatRelease, imageOf, RELEASE_LABEL } from '../release/release-ref.js'
import type { CompanionTarget, PausedCanary } from './platform.js'
import { CANARY_PAUSED_LABEL, CANARY_PREVIOUS_LABEL, CANARY_STEPS_LABEL } from './release-labels.js'

const PAUSE_ROLE = 'canary-pause'

/** What both companions share: the stable target's capture and release lookup, the fleet's actions. */
abstract class DockerCompanion implements CompanionTarget<DockerCapture> {
  readonly name: string
  protected desired = 0
  /** Set by restore: from then on, every member left counts against the revert. */
  private restored = false

  constructor(
    protected readonly stable: DockerTarget,
    protected readonly fleet: Fleet,
    protected readonly service: string,
    readonly role: CompanionRole
  ) {
    this.name = companionName(service, role)
  }

  capture(): Promise<DockerCapture> {
    return this.stable.capture()
  }

  /** The companion's containers of `release` (every one when no release is given). */
  protected abstract members(capture: DockerCapture, releaseId?: string): Promise<ContainerView[]>
  protected abstract aliases(capture: DockerCapture): string[]
  protected abstract labels(capture: DockerCapture, release: string): Record<string, string>
  abstract leftover(): Promise<boolean>
  abstract remove(): Promise<void>
  abstract markPaused(index: number, steps: string, previous: string): Promise<void>
  abstract paused(): Promise<PausedCanary | undefined>

  async applyStep(capture: DockerCapture, step: BatchStep, release: string): Promise<void> {
    const releaseId = await this.stable.releaseId(release)
    const keep = await this.fleet.canKeepAddresses(capture.network, imageOfKey(releaseId))
    this.desired = step.newReplicas
    const fresh = (await this.members(capture, releaseId)).filter((c) => !isFailed(c))
    const missing = step.newReplicas - fresh.length
    if (missing <= 0) return
    await this.fleet.create(this.stable.releaseTemplate(capture, release), {
      count: missing,
      image: imageOf(release),
      namePrefix: this.role === 'canary' ? this.name : `${this.service}-${shortDigest(release)}`,
      labels: this.labels(capture, release),
      aliases: keep ? [] : this.aliases(capture)
    })
  }

  async observe(capture: DockerCapture, release: string): Promise<ReplicaObservation> {
    if (this.restored) return observeContainers(await this.members(capture), { onRelease: () => false, desired: 0, since: 0, alias: capture.alias })
    const releaseId = await this.stable.releaseId(release)
    const members = await this.members(capture, releaseId)
    return observeContainers(members, { onRelease: () => true, desired: this.desired, since: 0, alias: capture.alias })
  }

  /** Verified: the new containers join the companion's aliases. */
  async cutOver(capture: DockerCapture, _step: BatchStep, release: string): Promise<void> {
    const aliases = this.aliases(capture)
    const joining = (await this.members(capture, await this.stable.releaseId(release))).filter((c) => isReady(c) && !aliases.every((a) => c.aliases.includes(a)))
    await this.fleet.setAliases(joining, capture.network, aliases)
    if (joining.length) this.fleet.log.info(`  ${this.name} in service under ${aliases.join(', ')}: ${joining.map((c) => `${c.name} (${c.ip})`).join(', ')}`)
  }

  async complete(): Promise<void> {}

  async restore(): Promise<void> {
    this.restored = true
    await this.remove()
  }

  async settle(): Promise<void> {}

  async failureLogs(capture: DockerCapture, release: string): Promise<string[]> {
    const releaseId = await this.stable.releaseId(release).catch(() => '')
    const bad = (await this.members(capture, releaseId)).filter((c) => isFailed(c) || !isReady(c)).slice(0, 3)
    const lines: string[] = []
    for (const c of bad) lines.push(describeFailure(c), ...(await this.fleet.api.tail(c.id)))
    return lines
  }

  async probeUrls(capture: DockerCapture, release: string, url: URL): Promise<URL[]> {
    // Once removed, how the service answers is its own containers' business.
    if (this.restored) return this.stable.servingUrls(capture, url)
    const members = await this.members(capture, await this.stable.releaseId(release))
    return members.filter((c) => isReady(c) && c.ip).map((c) => urlAt(url, c.ip as string))
  }
}

export class DockerCanary extends DockerCompanion {
  constructor(stable: DockerTarget, fleet: Fleet, service: string) {
    super(stable, fleet, service, 'canary')
  }

  private get selector(): Record<string, string> {
    return { [COMPANION_OF_LABEL]: this.service, [ROLE_LABEL]: 'canary' }
  }

  protected async members(capture: DockerCapture, releaseId?: string): Promise<ContainerView[]> {
    const all = await this.fleet.views(this.selector, capture.network)
    return releaseId ? all.filter((c) => keyOf(c) === releaseId) : all
  }

  protected aliases(capture: DockerCapture): string[] {
    return [...capture.aliases, `${capture.alias}-canary`]
  }

  protected labels(capture: DockerCapture): Record<string, string> {
    // The release's own labels (its identity among them) come from the template.
    return { ...this.selector, [ALIAS_LABEL]: capture.alias, [NETWORK_LABEL]: capture.network.name }
  }

  override async applyStep(capture: DockerCapture, step: BatchStep, release: string): Promise<void> {
    if (step.index === 1) {
      // A canary left by an interrupted run goes first, so that there are never two.
      const left = await this.members(capture)
      if (left.length) {
        this.fleet.log.warning(`Removing ${this.name} (${left.map((c) => c.name).join(', ')}), left over from an interrupted run`)
        await this.remove()
      }
    }
    await super.applyStep(capture, step, release)
  }

  async leftover(): Promise<boolean> {
    return (await this.fleet.api.list(this.selector)).length > 0
  }

  /** Drains and removes every canary container, and the pause record if there is one. */
  async remove(): Promise<void> {
    const infos = await this.fleet.api.inspectAll(this.selector)
    await this.dropPause()
    if (!infos.length) return
    const { network, alias } = await this.whereAre(infos)
    this.fleet.log.info(`Removing ${this.name}`)
    const views = await this.fleet.views(this.selector, network)
    await this.fleet.discard(views, network, alias, await this.fleet.canKeepAddresses(network, infos[0].Image))
  }

  /** A never-started container holds the pause's labels (labels of a container cannot change). */
  async markPaused(index: number, steps: string, previous: string): Promise<void> {
    const canary = (await this.fleet.api.inspectAll(this.selector))[0]
    if (!canary) throw new Error(`${this.name} has no container to pause`)
    await this.dropPause()
    const labels = { [COMPANION_OF_LABEL]: this.service, [ROLE_LABEL]: PAUSE_ROLE, [CANARY_PAUSED_LABEL]: String(index), [CANARY_STEPS_LABEL]: steps, [CANARY_PREVIOUS_LABEL]: previous }
    const name = `${this.name}-paused-${randomBytes(3).toString('hex')}`
    await this.fleet.api.create({ name, Image: canary.Image, Labels: labels, HostConfig: { NetworkMode: 'none' } })
  }

  async paused(): Promise<PausedCanary | undefined> {
    const canaries = await this.fleet.api.inspectAll(this.selector)
    if (!canaries.length) return undefined
    const marker = (await this.fleet.api.inspectAll({ [COMPANION_OF_LABEL]: this.service, [ROLE_LABEL]: PAUSE_ROLE }))[0]
    const labels = marker?.Config.Labels ?? {}
    const index = Number(labels[CANARY_PAUSED_LABEL])
    // Its release is its image and identity; its env and labels (not its image's) are what a promote rolls out.
    const canary = canaries[0]
    const image = await this.fleet.api.image(canary.Image)
    const config = templateConfig(cloneTemplate(canary, image?.Config, Object.keys(canary.NetworkSettings?.Networks ?? {})[0] ?? ''))
    return {
      ...(Number.isInteger(index) && index >= 1 ? { index } : {}),
      ...(labels[CANARY_STEPS_LABEL] !== undefined ? { steps: labels[CANARY_STEPS_LABEL] } : {}),
      ...(labels[CANARY_PREVIOUS_LABEL] ? { previous: labels[CANARY_PREVIOUS_LABEL] } : {}),
      release: formatRelease(canary.Config.Image, canary.Config.Labels?.[RELEASE_LABEL]),
      config
    }
  }

  private async dropPause(): Promise<void> {
    for (const id of await this.fleet.api.list({ [COMPANION_OF_LABEL]: this.service, [ROLE_LABEL]: PAUSE_ROLE })) await this.fleet.api.remove(id)
  }

  private async whereAre(infos: ContainerInfo[]): Promise<{ network: ServiceNetwork; alias: string }> {
    const labels = infos[0].Config.Labels ?? {}
    const name = labels[NETWORK_LABEL] ?? Object.keys(infos[0].NetworkSettings?.Networks ?? {})[0] ?? ''
    const found = await this.fleet.api.network(name)
    return { network: found ? { id: found.id, name: found.name } : { id: name, name }, alias: labels[ALIAS_LABEL] ?? this.service }
  }
}

export class DockerPreview extends DockerCompanion {
  /** The containers this run started as the preview: only these are ever removed by it. */
  private readonly started = new Set<string>()
  private lastCapture?: DockerCapture

  constructor(stable: DockerTarget, fleet: Fleet, service: string) {
    super(stable, fleet, service, 'preview')
  }

  protected async members(capture: DockerCapture, releaseId?: string): Promise<ContainerView[]> {
    const all = await this.stable.views(capture)
    return all.filter((c) => !capture.containers.includes(c.id) && (releaseId === undefined || keyOf(c) === releaseId))
  }

  protected aliases(capture: DockerCapture): string[] {
    return previewAliases(capture.aliases)
  }

  protected labels(capture: DockerCapture, release: string): Record<string, string> {
    // The service's own labels: after the switch these containers are its workload.
    return this.stable.labels(capture, release)
  }

  override async applyStep(capture: DockerCapture, step: BatchStep, release: string): Promise<void> {
    this.lastCapture = capture
    await super.applyStep(capture, step, release)
    for (const c of await this.members(capture, await this.stable.releaseId(release))) this.started.add(c.id)
  }

  async leftover(): Promise<boolean> {
    // Its containers are the service's: what an earlier run left is removed by the rollout's first step.
    return false
  }

  /** Removes what this run started and is not in the service's alias (after the switch, nothing). */
  async remove(): Promise<void> {
    const capture = this.lastCapture
    if (!capture) return
    const pending = (await this.members(capture)).filter((c) => this.started.has(c.id) && !c.aliases.includes(capture.alias))
    if (!pending.length) return
    this.fleet.log.info(`Removing ${this.name}`)
    await this.fleet.discard(pending, capture.network, capture.alias, await this.fleet.canKeepAddresses(capture.network, pending[0].imageId))
  }

  async markPaused(): Promise<void> {
    throw new Error('A blue-green preview cannot be paused')
  }

  async paused(): Promise<PausedCanary | undefined> {
    return undefined
  }
}
