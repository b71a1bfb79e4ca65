// Property tests of the revert (issue 6, item 6): whatever the captured service looked like and however
// far the rollout got, restore then settle leaves the service spec exactly as captured, on the previous
// release, with none of our bookkeeping left. The service is modelled as the spec the pure functions of
// swarm-specs.ts produce, read and written the way SwarmTarget does.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import fc from 'fast-check'
import type { BatchSize } from '../../src/config/types.js'
import { planBlueGreen } from '../../src/rollout/blue-green-plan.js'
import { planRolling, type RolloutPlan } from '../../src/rollout/plan.js'
import { switchInWaves } from '../../src/rollout/blue-green-plan.js'
import { COMPANION_OF_LABEL, companionSpec, ROLE_LABEL } from '../../src/targets/companion-spec.js'
import { PREVIOUS_LABEL } from '../../src/targets/release-labels.js'
import {
  completionSpec,
  HOLD_NS,
  restoreSpec,
  rolloutOrder,
  ROLLOUT_LABEL,
  settleSpec,
  stepSpec,
  type CapturedSpec
} from '../../src/targets/swarm-specs.js'

const RUNS = 200

// ---------------------------------------------------------------------------------------------
// Captured services
// ---------------------------------------------------------------------------------------------

// Which digest it is does not matter, only that two releases differ: cheap to make.
const hexArb = fc.nat().map((n) => n.toString(16).padStart(64, '0'))
const repoArb = fc.constantFrom('api', '127.0.0.1:5000/zdd-fixture-app', 'registry.example.com:443/team/web')
const tagArb = fc.constantFrom('v1', 'latest', '1.2.3')

/** The captured image (tag, digest or both), the release it is pinned to (`previous`) and a new release. */
const imagesArb = fc
  .record({ repo: repoArb, tag: fc.option(tagArb, { nil: undefined }), digest: fc.option(hexArb, { nil: undefined }), pinned: hexArb, next: hexArb })
  .filter(({ tag, digest, pinned, next }) => (tag !== undefined || digest !== undefined) && pinned !== next)
  .map(({ repo, tag, digest, pinned, next }) => {
    const named = `${repo}${tag ? `:${tag}` : ''}`
    const image = digest ? `${named}@sha256:${digest}` : named
    // As deploy pins it: an image with a digest is its own previous release; a tag is resolved to one.
    const previous = digest ? image : `${named}@sha256:${pinned}`
    return { image, previous, release: `${repo}:v2@sha256:${next}` }
  })

const labelKeyArb = fc.oneof(
  fc.constantFrom('team', 'com.example.tier', PREVIOUS_LABEL, ROLLOUT_LABEL),
  fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/)
)
// Labels: none at all, an empty set, or some; among them the release of an earlier rollout, or a marker
// left by an earlier run that died (not the service's own: a revert must not write it back).
const labelsArb = fc.option(fc.dictionary(labelKeyArb, fc.string({ maxLength: 8 }), { maxKeys: 4 }), { nil: undefined })

const updateConfigArb = fc.record(
  {
    Parallelism: fc.nat({ max: 10 }),
    Delay: fc.nat({ max: 60e9 }),
    FailureAction: fc.constantFrom('pause', 'continue', 'rollback'),
    Monitor: fc.nat({ max: 60e9 }),
    MaxFailureRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    Order: fc.constantFrom('start-first', 'stop-first')
  },
  { requiredKeys: [] }
)

const portArb = fc.record(
  {
    Protocol: fc.constantFrom('tcp', 'udp'),
    TargetPort: fc.integer({ min: 1, max: 65535 }),
    PublishedPort: fc.integer({ min: 1024, max: 65535 }),
    PublishMode: fc.constantFrom('ingress', 'host')
  },
  { requiredKeys: ['Protocol', 'TargetPort'] }
)

const partsArb = fc.record(
  {
    images: imagesArb,
    labels: labelsArb,
    update: fc.option(updateConfigArb, { nil: undefined }),
    mode: fc.oneof(
      fc.integer({ min: 1, max: 12 }).map((replicas) => ({ Replicated: { Replicas: replicas } })),
      fc.constant({ Global: {} })
    ),
    // Global: the number of nodes that run a task (the plan's total).
    running: fc.integer({ min: 1, max: 12 }),
    env: fc.option(fc.array(fc.stringMatching(/^[A-Z]{1,4}=[a-z0-9]{0,6}$/), { maxLength: 3 }), { nil: undefined }),
    networks: fc.option(
      fc.array(fc.record({ Target: fc.stringMatching(/^net[0-9]$/), Aliases: fc.array(fc.constantFrom('api', 'backend', 'web'), { maxLength: 2 }) }, { requiredKeys: ['Target'] }), { maxLength: 2 }),
      { nil: undefined }
    ),
    forceUpdate: fc.option(fc.nat({ max: 5 }), { nil: undefined }),
    health: fc.option(fc.record({ Test: fc.constant(['CMD', 'true']), Interval: fc.nat({ max: 10e9 }) }), { nil: undefined }),
    endpoint: fc.option(fc.record({ Mode: fc.constantFrom('vip', 'dnsrr'), Ports: fc.array(portArb, { maxLength: 3 }) }, { requiredKeys: [] }), { nil: undefined })
  },
  { requiredKeys: ['images', 'mode', 'running'] }
)

interface Captured {
  capture: CapturedSpec
  /** The capture as generated, kept apart to show that nothing wrote into it. */
  pristine: Docker.ServiceSpec
  previous: string
  release: string
  total: number
  hostPorts: boolean
}

/** Only the keys that were generated: a spec read from Docker has no `undefined` values. */
function present<T extends object>(entries: T): T {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as T
}

const capturedArb: fc.Arbitrary<Captured> = partsArb.map((p) => {
  // A clone, as a spec read from Docker is: plain objects (fast-check's optional-key records have no prototype).
  const spec = structuredClone(present({
    Name: 'api',
    Labels: p.labels,
    Mode: p.mode,
    UpdateConfig: p.update,
    EndpointSpec: p.endpoint,
    TaskTemplate: present({
      ContainerSpec: present({ Image: p.images.image, Env: p.env, HealthCheck: p.health }),
      Networks: p.networks,
      ForceUpdate: p.forceUpdate
    }) as Docker.ContainerTaskSpec
  } as Docker.ServiceSpec))
  // Written out here rather than taken from the code under test: a port published in host mode.
  const hostPorts = (p.endpoint?.Ports ?? []).some((port) => port.PublishMode === 'host' && port.PublishedPort !== undefined)
  return {
    capture: { spec, order: rolloutOrder(spec) },
    pristine: structuredClone(spec),
    previous: p.images.previous,
    release: p.images.release,
    total: 'Replicated' in p.mode ? p.mode.Replicated.Replicas : p.running,
    hostPorts
  }
})

/** The captured spec with only its image replaced and a dead run's marker dropped: what a revert must leave. */
function expectedAfterRevert(captured: Captured): Docker.ServiceSpec {
  const spec = structuredClone(captured.pristine)
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec
  template.ContainerSpec = { ...template.ContainerSpec, Image: captured.previous }
  if (spec.Labels) delete spec.Labels[ROLLOUT_LABEL]
  return spec
}

// ---------------------------------------------------------------------------------------------
// The rollout, as it reaches the service
// ---------------------------------------------------------------------------------------------

const batchArb: fc.Arbitrary<BatchSize> = fc.oneof(
  fc.record({ kind: fc.constant('count' as const), value: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('percent' as const), value: fc.integer({ min: 1, max: 100 }) })
)

/** What reaches the stable service: a rolling update (also a canary's promotion), or a blue-green switch. */
const planArb = (c: Captured): fc.Arbitrary<RolloutPlan> =>
  fc.oneof(
    batchArb.map((batch) => planRolling({ target: 'api', from: c.previous, to: c.release, total: c.total, batch })),
    fc.constant(switchInWaves(planBlueGreen({ target: 'api', from: c.previous, to: c.release, replicas: c.total, scaleDownDelayMs: 0 })))
  )

/**
 * A change made by someone else between two batches, carried into the next batch's write (it reads the
 * current spec). Swarm itself changes neither: with our FailureAction 'pause' it never rolls the spec back.
 */
type Outside = { kind: 'label'; key: string; value: string } | { kind: 'force' }
const outsideArb: fc.Arbitrary<Outside> = fc.oneof(
  fc.record({ kind: fc.constant('label' as const), key: fc.constantFrom('ops.note', 'team', PREVIOUS_LABEL), value: fc.string({ maxLength: 6 }) }),
  fc.constant({ kind: 'force' as const })
)

function outside(spec: Docker.ServiceSpec, change: Outside): Docker.ServiceSpec {
  const next = structuredClone(spec)
  if (change.kind === 'label') next.Labels = { ...next.Labels, [change.key]: change.value }
  else {
    const template = next.TaskTemplate as Docker.ContainerTaskSpec
    template.ForceUpdate = (template.ForceUpdate ?? 0) + 1
  }
  return next
}

interface Run {
  captured: Captured
  plan: RolloutPlan
  /** Batches applied before the failure (0 = the first write itself failed). */
  applied: number
  /** Changes by someone else after each applied batch. */
  changes: Array<Outside | undefined>
  /** After every batch: the completion was written, but its answer was lost, so the step failed. */
  completed: boolean
  /** The revert is started again (a retry, or the post step after a cancelled one): restore is safe to repeat. */
  restores: number
}

const runArb: fc.Arbitrary<Run> = capturedArb.chain((captured) =>
  planArb(captured).chain((plan) =>
    fc.record({
      captured: fc.constant(captured),
      plan: fc.constant(plan),
      applied: fc.integer({ min: 0, max: plan.steps.length }),
      changes: fc.array(fc.option(outsideArb, { nil: undefined }), { minLength: plan.steps.length, maxLength: plan.steps.length }),
      completed: fc.boolean(),
      restores: fc.integer({ min: 1, max: 2 })
    })
  )
)

/** The service's spec after `applied` batches, as SwarmTarget writes them: batch 1 on the capture, the rest on what is there. */
function rollOut(run: Run): Docker.ServiceSpec {
  const { captured, plan } = run
  let service = captured.capture.spec
  for (const step of plan.steps.slice(0, run.applied)) {
    const base = step.index === 1 ? captured.capture.spec : service
    service = stepSpec(base, step, captured.release, plan.batchSize, captured.capture.order)
    const change = run.changes[step.index - 1]
    if (change) service = outside(service, change)
  }
  if (run.completed && run.applied === plan.steps.length) service = completionSpec(service, captured.capture.spec, captured.release, captured.previous)
  return service
}

function replicasOf(spec: Docker.ServiceSpec): number | 'global' {
  return spec.Mode?.Global ? 'global' : spec.Mode?.Replicated?.Replicas ?? 1
}

/** Checks `property` on generated runs, given the spec each left on the service before its revert. */
function forEveryRun(property: (run: Run, during: Docker.ServiceSpec) => void): void {
  fc.assert(fc.property(runArb, (run) => property(run, rollOut(run))), { numRuns: RUNS })
}

describe('property: revert from any step', () => {
  it('restore then settle leaves exactly the captured spec on the previous release, with no marker or update settings of ours', () => {
    forEveryRun((run, during) => {
      const { captured } = run
      if (run.applied > 0) {
        // The model really moved the service: on the release, held, marked.
        expect((during.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Image).toBe(captured.release)
        if (!run.completed || run.applied < run.plan.steps.length) {
          expect(during.UpdateConfig?.Delay).toBe(HOLD_NS)
          expect(during.Labels?.[ROLLOUT_LABEL]).toBe(`${run.applied}/${run.plan.steps.length}`)
        }
      }
      let service = during
      for (let i = 0; i < run.restores; i++) service = restoreSpec(captured.capture, captured.previous)
      service = settleSpec(captured.capture, captured.previous)

      expect(service).toStrictEqual(expectedAfterRevert(captured))
      expect(Object.keys(service.Labels ?? {})).not.toContain(ROLLOUT_LABEL)
      expect(service.UpdateConfig).toStrictEqual(captured.pristine.UpdateConfig)
      expect('UpdateConfig' in service).toBe('UpdateConfig' in captured.pristine)
      // Nothing along the way wrote into the capture, which later steps and a recovery read.
      expect(captured.capture.spec).toStrictEqual(captured.pristine)
    })
  })

  it('the restore keeps the captured replicas and goes start-first, all at once, unless a host-mode port makes it stop-first, one at a time', () => {
    forEveryRun((run, during) => {
      const { captured } = run
      const restore = restoreSpec(captured.capture, captured.previous)
      expect(restore.Mode).toStrictEqual(captured.pristine.Mode)
      const now = replicasOf(during)
      const restored = replicasOf(restore)
      if (now === 'global') expect(restored).toBe('global')
      else expect(restored).toBeGreaterThanOrEqual(now)
      const order = captured.hostPorts ? 'stop-first' : 'start-first'
      expect(captured.capture.order).toBe(order)
      expect(restore.UpdateConfig).toEqual({ Parallelism: order === 'start-first' ? 0 : 1, Delay: 0, FailureAction: 'continue', Monitor: 0, MaxFailureRatio: 0, Order: order })
      expect((restore.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Image).toBe(captured.previous)
      expect(restore.Labels?.[ROLLOUT_LABEL]).toBe('reverting')
      // Apart from the image, the update settings and the marker, it is the captured spec.
      const { UpdateConfig: _ours, Labels: restoreLabels, ...rest } = restore
      const { UpdateConfig: _theirs, Labels: _labels, ...expected } = expectedAfterRevert(captured)
      expect(rest).toStrictEqual(expected)
      expect({ ...restoreLabels, [ROLLOUT_LABEL]: undefined }).toStrictEqual({ ...captured.pristine.Labels, [ROLLOUT_LABEL]: undefined })
    })
  })
})

describe('property: canary and blue-green leave the stable service as captured', () => {
  // Before its promotion a companion is the only service written; its revert is its removal, so the
  // stable service keeps the captured spec untouched, and a failed promotion or switch reverts through
  // restore and settle, as above (its plans are among those generated there).
  it('the companion is cloned from the capture without writing into it, and carries none of the service bookkeeping', () => {
    fc.assert(
      fc.property(capturedArb, fc.constantFrom('canary' as const, 'preview' as const), fc.integer({ min: 1, max: 12 }), (captured, role, replicas) => {
        const spec = companionSpec(captured.capture.spec, 'api', role, captured.release, replicas)
        expect(captured.capture.spec).toStrictEqual(captured.pristine)
        expect(Object.keys(spec.Labels ?? {})).not.toContain(ROLLOUT_LABEL)
        expect(Object.keys(spec.Labels ?? {})).not.toContain(PREVIOUS_LABEL)
        expect(spec.Labels?.[COMPANION_OF_LABEL]).toBe('api')
        expect(spec.Labels?.[ROLE_LABEL]).toBe(role)
        expect(spec.Name).toBe(`api-${role}`)
      }),
      { numRuns: RUNS }
    )
  })
})
