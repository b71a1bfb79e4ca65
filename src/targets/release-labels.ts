// What the action records on the target, so that a later run (rollback, promote, abort, recovery)
// can act without the state of the run that wrote it. Labels on the service spec change no task.
import { InputError } from '../config/input-error.js'
import type { Config, ConfigChange, ConfigEdit, ImageRef } from '../config/types.js'
import { parseImageRef } from '../docker/image-ref.js'

/** On the service after a successful rollout: the release it ran before, pinned by digest. */
export const PREVIOUS_LABEL = 'zdd.previous-image'
/** Beside it, when that rollout changed env or labels: the edits that undo it (JSON, see parseRecordedChange). */
export const PREVIOUS_CONFIG_LABEL = 'zdd.previous-config'
/** On a canary paused at a `pause` step: where it stopped, the plan to resume and the release to revert to. */
export const CANARY_PAUSED_LABEL = 'zdd.canary-paused'
export const CANARY_STEPS_LABEL = 'zdd.canary-steps'
export const CANARY_PREVIOUS_LABEL = 'zdd.canary-previous'

/** operation rollback: `image` when it names a digest, else the release recorded by the last rollout. */
export function rollbackImage(recorded: string | undefined, service: string, config: Config): ImageRef {
  if (config.image?.digest) return config.image
  if (config.image) throw new InputError('image', `${config.image.repository}${config.image.tag ? `:${config.image.tag}` : ''}`, 'an image with a digest (repo@sha256:…) for operation rollback, or empty for the release recorded on the service')
  const ref = recorded ? parseImageRef(recorded) : undefined
  if (!ref?.digest) {
    throw new InputError(
      'operation',
      'rollback',
      `an image with a digest to roll back to, since service '${service}' has no release recorded by an earlier rollout (label ${PREVIOUS_LABEL})`
    )
  }
  return ref
}

/**
 * operation rollback to the recorded release: the env/labels edits recorded with it (undoing the last
 * rollout's), or undefined when that rollout changed none, or when `image` names the release instead.
 */
export function rollbackChange(recorded: string | undefined, config: Config): ConfigChange | undefined {
  if (config.image || !recorded) return undefined
  const change = parseRecordedChange(recorded)
  if (!change) throw new Error(`The label ${PREVIOUS_CONFIG_LABEL} on the service is not what a rollout records; remove it, or roll back with image set to a digest`)
  return change.env.length || change.labels.length ? change : undefined
}

/** The recorded edits: JSON `{"env": [{"key": "A", "value": "1"}, {"key": "B"}], "labels": […]}`. */
export function parseRecordedChange(text: string): ConfigChange | undefined {
  const isEdits = (value: unknown): value is ConfigEdit[] =>
    Array.isArray(value) && value.every((e) => typeof e?.key === 'string' && (e.value === undefined || typeof e.value === 'string'))
  try {
    const parsed = JSON.parse(text) as { env?: unknown; labels?: unknown }
    if (!isEdits(parsed.env) || !isEdits(parsed.labels)) return undefined
    return { env: parsed.env.map(({ key, value }) => (value === undefined ? { key } : { key, value })), labels: parsed.labels.map(({ key, value }) => (value === undefined ? { key } : { key, value })) }
  } catch {
    return undefined
  }
}
