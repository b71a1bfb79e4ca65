// The service specs a Swarm rollout writes, one pure function per moment: each batch, the completion,
// the revert and the settings put back after it. SwarmTarget reads the service and writes what these
// return; keeping them pure lets the revert be checked on generated specs (test/unit/revert-properties).
import type Docker from 'dockerode'
import type { ConfigChange } from '../config/types.js'
import { imageOf } from '../release/release-ref.js'
import type { BatchStep } from '../rollout/plan.js'
import { PREVIOUS_CONFIG_LABEL, PREVIOUS_LABEL } from './release-labels.js'
import { changeFromSpecs, containerSpec, setRelease } from './release-spec.js'

export { containerSpec } from './release-spec.js'

/** Our marker on the service while a rollout is in progress: "<batch>/<batches>" or "reverting". */
export const ROLLOUT_LABEL = 'zdd.rollout'
// The updater sleeps this long after each batch; we never let it run out (a day), we release it.
export const HOLD_NS = 24 * 3600 * 1e9
// Swarm watches each new task this long for a failure before counting it as updated.
export const SWARM_MONITOR_NS = 5 * 1e9

export type UpdateOrder = 'start-first' | 'stop-first'

/** What the specs are built from: the service as captured before the first change. */
export interface CapturedSpec {
  spec: Docker.ServiceSpec
  /** start-first, unless a host-mode published port makes two tasks on one node impossible. */
  order: UpdateOrder
}

/** Published ports in host mode: a new task cannot bind one while the old task on its node holds it. */
export function hostModePorts(spec: Docker.ServiceSpec): Docker.PortConfig[] {
  return (spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishMode === 'host' && p.PublishedPort)
}

/** start-first, unless a host-mode published port makes two tasks of a slot on one node impossible. */
export function rolloutOrder(spec: Docker.ServiceSpec): UpdateOrder {
  return hostModePorts(spec).length ? 'stop-first' : 'start-first'
}

/**
 * Batch `step`: the first batch puts the release (its image, and its env/labels `change` for a config
 * release) and our held update settings on the captured spec;
 * a later one only changes the marker on the current spec, since any change restarts Swarm's updater,
 * which then replaces the next batch of stale tasks.
 */
export function stepSpec(base: Docker.ServiceSpec, step: BatchStep, release: string, batchSize: number, order: UpdateOrder, change?: ConfigChange): Docker.ServiceSpec {
  const spec = structuredClone(base)
  if (step.index === 1) {
    setRelease(spec, release, change)
    spec.UpdateConfig = { Parallelism: batchSize, Delay: HOLD_NS, FailureAction: 'pause', Monitor: SWARM_MONITOR_NS, MaxFailureRatio: 0, Order: order }
  }
  spec.Labels = { ...spec.Labels, [ROLLOUT_LABEL]: `${step.index}/${step.of}` }
  return spec
}

/** After every batch passed: the current spec on `release`, the service's own update settings back, `previous` recorded. */
export function completionSpec(
  current: Docker.ServiceSpec, captured: Docker.ServiceSpec, release: string, previous: string, change?: ConfigChange
): Docker.ServiceSpec {
  const spec = structuredClone(current)
  setRelease(spec, release, change)
  if (captured.UpdateConfig) spec.UpdateConfig = structuredClone(captured.UpdateConfig)
  else delete spec.UpdateConfig
  // What operation rollback goes back to, recorded where the next run can read it: the image, and the
  // env/labels edits that undo this release's (none for an image-only release).
  const undo = changeFromSpecs(spec, captured)
  const { [PREVIOUS_CONFIG_LABEL]: _config, ...labels } = withoutMarker(spec.Labels)
  spec.Labels = { ...labels, [PREVIOUS_LABEL]: imageOf(previous) }
  if (undo) spec.Labels[PREVIOUS_CONFIG_LABEL] = JSON.stringify(undo)
  return spec
}

/**
 * Once the revert converged: exactly the captured spec on `previous`. A marker in the capture was left
 * by an earlier run that died once Swarm's update was no longer in flight (e.g. after its last batch);
 * it is not the service's own, and written back it would make the service look mid-rollout to the next
 * run and to a recovery.
 */
export function settleSpec(capture: CapturedSpec, previous: string): Docker.ServiceSpec {
  const spec = structuredClone(capture.spec)
  setRelease(spec, previous)
  if (spec.Labels && ROLLOUT_LABEL in spec.Labels) spec.Labels = withoutMarker(spec.Labels)
  return spec
}

/**
 * The revert: the settled spec, but everything at once and new tasks first, the fastest way back that
 * never drops below the count. Where tasks must stop first (host-mode ports), one at a time, so that
 * the others keep serving.
 */
export function restoreSpec(capture: CapturedSpec, previous: string): Docker.ServiceSpec {
  const spec = settleSpec(capture, previous)
  const parallelism = capture.order === 'start-first' ? 0 : 1
  spec.UpdateConfig = { Parallelism: parallelism, Delay: 0, FailureAction: 'continue', Monitor: 0, MaxFailureRatio: 0, Order: capture.order }
  spec.Labels = { ...spec.Labels, [ROLLOUT_LABEL]: 'reverting' }
  return spec
}

export function withoutMarker(labels: Record<string, string> | undefined): Record<string, string> {
  const { [ROLLOUT_LABEL]: _marker, ...rest } = labels ?? {}
  return rest
}

/**
 * Whether the spec a service shows is the one written (its labels, image, env and container labels): how
 * a write whose answer was lost with the connection is known to have been applied. Pure.
 */
export function specWritten(found: Docker.ServiceSpec, sent: Docker.ServiceSpec): boolean {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
  const f = containerSpec(found)
  const w = containerSpec(sent)
  return same(found.Labels, sent.Labels) && f?.Image === w?.Image && same(f?.Env, w?.Env) && same(f?.Labels, w?.Labels)
}
