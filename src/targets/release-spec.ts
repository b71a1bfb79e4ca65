// A release written into a Swarm service spec: the image, the env/labels edits and the release
// identity label (see release/release-ref.ts); and what a new release changes against a captured spec.
// Pure.
import type Docker from 'dockerode'
import type { ConfigChange } from '../config/types.js'
import { applyEnvEdits, applyLabelEdits, changeBetween, diffConfig, isEmptyDiff, type ConfigDiff, type ContainerConfig } from '../release/config-change.js'
import { digestOf, formatRelease, imageOf, parseRelease, releaseId, RELEASE_LABEL } from '../release/release-ref.js'

export function containerSpec(spec: Docker.ServiceSpec): Docker.ContainerSpec | undefined {
  return (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec
}

/** The container's env and labels as the spec has them. */
export function containerConfig(spec: Docker.ServiceSpec): ContainerConfig {
  const container = containerSpec(spec)
  return { env: [...(container?.Env ?? [])], labels: { ...container?.Labels } }
}

/**
 * Puts `ref` into the spec: its image, the edits of `change` (when given), and its identity label
 * (removed when the release has none). Nothing else changes: an image-only release touches the image only.
 */
export function setRelease(spec: Docker.ServiceSpec, ref: string, change?: ConfigChange): void {
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined
  const container: Docker.ContainerSpec = { ...template?.ContainerSpec, Image: imageOf(ref) }
  const config = releaseConfig(containerConfig(spec), ref, change)
  if (change?.env.length) container.Env = config.env
  if (Object.keys(config.labels).length || container.Labels) container.Labels = config.labels
  spec.TaskTemplate = { ...template, ContainerSpec: container }
}

/** A new release against the service as captured: the two release refs and what the config change does. */
export interface ReleaseSpecChange {
  /** The release to roll out: `image` or `image (config <id>)`. */
  release: string
  /** The release the service runs now, to revert to. */
  previous: string
  /** The edits to apply, when they change anything. */
  change?: ConfigChange
  /** The env/labels diff (unmasked: mask before showing it), when there is a change. */
  diff?: ConfigDiff
}

/**
 * The release refs of a rollout of `image` (pinned) with the optional `change`, from the workload's
 * captured env and labels, whose image pinned is `previousImage`. Without an effective change the release
 * keeps the identity the workload has (an image-only rollout, as before); with one, it gets a new identity.
 */
export function releaseAgainst(before: ContainerConfig, previousImage: string, image: string, change?: ConfigChange): ReleaseSpecChange {
  const captured = before.labels[RELEASE_LABEL]
  const previous = formatRelease(previousImage, captured)
  if (!change) return { release: formatRelease(image, captured), previous }
  const after = releaseConfig(before, image, change)
  const diff = diffConfig(before, after)
  if (isEmptyDiff(diff)) return { release: formatRelease(image, captured), previous }
  return { release: formatRelease(image, releaseId(digestOf(image) ?? image, after.env, after.labels)), previous, change, diff }
}

/** The env and labels of `ref` made from `before`: the edits of `change` and `ref`'s identity label. */
export function releaseConfig(before: ContainerConfig, ref: string, change?: ConfigChange): ContainerConfig {
  const env = change?.env.length ? applyEnvEdits(before.env, change.env) : [...before.env]
  const labels = change?.labels.length ? applyLabelEdits(before.labels, change.labels) : { ...before.labels }
  const id = parseRelease(ref).id
  if (id) labels[RELEASE_LABEL] = id
  else delete labels[RELEASE_LABEL]
  return { env, labels }
}

/** The edits that make the container of `from` look like that of `to` (e.g. the stable like its canary). */
export function changeFromSpecs(from: Docker.ServiceSpec, to: Docker.ServiceSpec): ConfigChange | undefined {
  const change = changeBetween(containerConfig(from), containerConfig(to))
  return change.env.length || change.labels.length ? change : undefined
}

/** The release a spec describes: its image and identity label. */
export function specRelease(spec: Docker.ServiceSpec): string {
  const container = containerSpec(spec)
  return formatRelease(container?.Image ?? '', container?.Labels?.[RELEASE_LABEL])
}
