// Property tests for the pure core (issue 6, item 6): the plan, the per-step state machine, the
// reading of Swarm tasks, durations and image references, checked on generated inputs.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { planBatches, planRolling, resolveBatchSize } from '../../src/rollout/plan.js'
import { decide, startStep, wantsProbe, type Decision, type GateRules, type Phase, type StepGoal, type StepProgress, type Tick } from '../../src/rollout/decide.js'
import type { ReplicaObservation } from '../../src/rollout/observation.js'
import type { ProbeVerdict } from '../../src/gates/health-verdict.js'
import { observeTasks, sameRelease, type SwarmTask } from '../../src/targets/swarm-tasks.js'
import { parseDuration } from '../../src/config/durations.js'
import { formatImageRef, parseImageRef } from '../../src/docker/image-ref.js'
import type { BatchSize, ImageRef } from '../../src/config/types.js'

const RUNS = 1000

/** A cheap assertion for hot loops (jest's expect costs too much at millions of calls); fast-check
 *  still reports the shrunk counterexample with this message. */
function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message())
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

const totalArb = fc.integer({ min: 1, max: 500 })
const batchArb: fc.Arbitrary<BatchSize> = fc.oneof(
  fc.record({ kind: fc.constant('count' as const), value: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant('percent' as const), value: fc.integer({ min: 1, max: 100 }) })
)

/**
 * A model of Swarm's updater applying one plan step with Parallelism = batch size: for each
 * replica of the batch, start-first starts the new task before it stops the old one; stop-first
 * stops the old one first. Returns the lowest and highest number of running replicas seen.
 */
function capacityDuringStep(running: number, size: number, order: 'start-first' | 'stop-first'): { min: number; max: number } {
  // All `size` replacements of a batch run in parallel: the worst case is every one of them at the
  // same point at once.
  return order === 'start-first' ? { min: running, max: running + size } : { min: running - size, max: running }
}

describe('property: rolling plan', () => {
  it('ends on the new release with strictly increasing batches of 1..batchSize, one batch in flight at a time', () => {
    fc.assert(
      fc.property(totalArb, batchArb, (total, batch) => {
        const plan = planRolling({ target: 'svc', from: 'a', to: 'b', total, batch })
        const { steps, batchSize } = plan
        expect(plan.total).toBe(total)
        expect(steps.length).toBeGreaterThan(0)
        expect(steps.length).toBe(Math.ceil(total / batchSize))
        expect(steps[steps.length - 1].newReplicas).toBe(total)
        let previousNew = 0
        steps.forEach((step, i) => {
          const at = () => `step ${JSON.stringify(step)} (batchSize ${batchSize}, previous newReplicas ${previousNew})`
          check(step.index === i + 1 && step.of === steps.length && step.total === total, () => `numbering of ${at()}`)
          check(step.newReplicas > previousNew, () => `newReplicas not strictly increasing at ${at()}`)
          check(step.size === step.newReplicas - previousNew, () => `size is not the increase at ${at()}`)
          check(step.size >= 1 && step.size <= batchSize, () => `size outside 1..batchSize at ${at()}`)
          // Every batch but the last is full.
          check(i === steps.length - 1 || step.size === batchSize, () => `a batch before the last is not full at ${at()}`)
          // Replicas still on the old release: between two consecutive steps it drops by exactly
          // this step's size, so never by more than one batch.
          const oldBefore = total - previousNew
          const oldAfter = total - step.newReplicas
          check(oldAfter >= 0, () => `more new replicas than the total at ${at()}`)
          check(oldAfter >= oldBefore - batchSize, () => `old replicas dropped by more than one batch at ${at()}`)
          previousNew = step.newReplicas
        })
      }),
      { numRuns: RUNS }
    )
  })

  it('keeps capacity ≥ total in start-first order (and ≥ total - batchSize in stop-first), in a model of the updater', () => {
    // This is a property of the plan under a model of Swarm's updater (capacityDuringStep), not of
    // Swarm itself: the plan replaces `step.size ≤ batchSize` replicas per step, all of them in one
    // parallel wave, and the replicas not in the batch keep running throughout.
    fc.assert(
      fc.property(totalArb, batchArb, fc.constantFrom('start-first' as const, 'stop-first' as const), (total, batch, order) => {
        const plan = planRolling({ target: 'svc', from: 'a', to: 'b', total, batch })
        let running = total
        for (const step of plan.steps) {
          const { min, max } = capacityDuringStep(running, step.size, order)
          const at = () => `${order} step ${step.index}/${step.of} of ${step.size}: capacity ${min}..${max}, total ${total}, batchSize ${plan.batchSize}`
          if (order === 'start-first') {
            check(min >= total && max <= total + plan.batchSize, at)
          } else {
            check(min >= total - plan.batchSize && max <= total, at)
          }
          running = total // the step ends with every replica running again (the gate waits for it)
        }
      }),
      { numRuns: RUNS }
    )
  })

  it('planBatches covers exactly 1..total for any positive size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 600 }), (total, size) => {
        const steps = planBatches(total, size)
        expect(steps.reduce((sum, s) => sum + s.size, 0)).toBe(total)
        expect(steps.map((s) => s.newReplicas)).toEqual(steps.map((_, i) => Math.min((i + 1) * size, total)))
      }),
      { numRuns: RUNS }
    )
  })

  it('resolveBatchSize is within [1, total] and equals the exact ceiling for percentages', () => {
    fc.assert(
      fc.property(totalArb, batchArb, (total, batch) => {
        const size = resolveBatchSize(batch, total)
        expect(Number.isInteger(size)).toBe(true)
        expect(size).toBeGreaterThanOrEqual(1)
        expect(size).toBeLessThanOrEqual(total)
        const exact = batch.kind === 'count' ? Math.min(batch.value, total) : Math.max(1, Math.floor((total * batch.value + 99) / 100))
        expect(size).toBe(exact)
      }),
      { numRuns: RUNS }
    )
  })

  it('resolveBatchSize is monotone in the percentage and in the count', () => {
    fc.assert(
      fc.property(totalArb, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (total, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p]
        expect(resolveBatchSize({ kind: 'percent', value: lo }, total)).toBeLessThanOrEqual(resolveBatchSize({ kind: 'percent', value: hi }, total))
        expect(resolveBatchSize({ kind: 'count', value: lo }, total)).toBeLessThanOrEqual(resolveBatchSize({ kind: 'count', value: hi }, total))
      }),
      { numRuns: RUNS }
    )
    fc.assert(
      fc.property(totalArb, (total) => {
        expect(resolveBatchSize({ kind: 'percent', value: 100 }, total)).toBe(total)
      }),
      { numRuns: 200 }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// decide(): the per-step state machine
// ---------------------------------------------------------------------------------------------

const PHASE_ORDER: Record<Phase, number> = { converging: 0, verifying: 1, monitoring: 2 }
const phaseArb = fc.constantFrom<Phase>('converging', 'verifying', 'monitoring')

const goalArb: fc.Arbitrary<StepGoal> = fc
  .integer({ min: 1, max: 20 })
  .chain((total) => fc.record({ total: fc.constant(total), newReplicas: fc.integer({ min: 1, max: total }) }))

/** Gate rules; the monitor window is 0 or 1..20 s unless `monitor` says otherwise. */
const rulesArb = (monitor: fc.Arbitrary<number> = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 }))): fc.Arbitrary<GateRules> =>
  fc.record({
    hasHealthGate: fc.boolean(),
    hasAnalysis: fc.constant(false),
    successesNeeded: fc.integer({ min: 1, max: 5 }),
    monitorMs: monitor,
    deadlineMs: fc.integer({ min: 1, max: 20_000 })
  })

const updateStateArb = fc.option(
  fc.constantFrom('updating', 'completed', 'paused', 'rollback_started', 'rollback_paused', 'rollback_completed'),
  { nil: undefined, freq: 4 }
)

/** Observations for a goal; `failedArb` decides how often replicas have failed. */
const observationArb = (goal: StepGoal, failedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 3 })): fc.Arbitrary<ReplicaObservation> =>
  fc.record({
    desired: fc.constant(goal.total),
    ready: fc.integer({ min: 0, max: goal.total + 1 }),
    starting: fc.integer({ min: 0, max: 3 }),
    failed: failedArb,
    others: fc.integer({ min: 0, max: goal.total + 1 }),
    failures: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }),
    updateState: updateStateArb
  })

const probeArb: fc.Arbitrary<ProbeVerdict> = fc.boolean().map((ok) => ({ ok, detail: ok ? '200 in 1 ms' : '503 in 1 ms', durationMs: 1 }))

const progressArb: fc.Arbitrary<StepProgress> = fc
  .record({ phase: phaseArb, stepStartedAt: fc.integer({ min: 0, max: 1_000_000 }), sinceStep: fc.integer({ min: 0, max: 100_000 }), consecutiveSuccesses: fc.integer({ min: 0, max: 5 }) })
  .map(({ phase, stepStartedAt, sinceStep, consecutiveSuccesses }) => ({ phase, stepStartedAt, phaseStartedAt: stepStartedAt + sinceStep, consecutiveSuccesses }))

/** One decide() call on arbitrary (but well-formed) inputs: now ≥ phaseStartedAt. */
const singleCallArb = (failedArb?: fc.Arbitrary<number>, monitor?: fc.Arbitrary<number>) =>
  fc.tuple(goalArb, rulesArb(monitor), progressArb).chain(([goal, rules, progress]) =>
    fc.record({
      goal: fc.constant(goal),
      rules: fc.constant(rules),
      progress: fc.constant(progress),
      tick: fc.record({
        now: fc.integer({ min: progress.phaseStartedAt, max: progress.phaseStartedAt + 60_000 }),
        runDeadlineAt: fc.integer({ min: 0, max: progress.phaseStartedAt + 120_000 }),
        observation: observationArb(goal, failedArb),
        probe: fc.option(probeArb, { nil: undefined })
      }) as fc.Arbitrary<Tick>
    })
  )

describe('property: decide', () => {
  it('reverts whenever a replica of the new release failed', () => {
    fc.assert(
      fc.property(singleCallArb(fc.integer({ min: 1, max: 5 })), ({ goal, rules, progress, tick }) => {
        expect(decide(goal, rules, progress, tick).verdict).toBe('revert')
      }),
      { numRuns: RUNS }
    )
  })

  it('reverts once now ≥ runDeadlineAt, whatever was observed', () => {
    fc.assert(
      fc.property(singleCallArb(), fc.integer({ min: 0, max: 100_000 }), ({ goal, rules, progress, tick }, past) => {
        const late = { ...tick, runDeadlineAt: tick.now - past }
        const d = decide(goal, rules, progress, late)
        expect(d.verdict).toBe('revert')
        if (d.verdict === 'revert') expect(d.reason).toBe('the whole run went past its timeout')
      }),
      { numRuns: RUNS }
    )
  })

  it('with a monitor window > 0, advances only while monitoring, after the window, with every new replica ready', () => {
    fc.assert(
      fc.property(singleCallArb(undefined, fc.integer({ min: 1, max: 20_000 })), ({ goal, rules, progress, tick }) => {
        const d = decide(goal, rules, progress, tick)
        if (d.verdict !== 'advance') return
        expect(tick.observation.ready).toBeGreaterThanOrEqual(goal.newReplicas)
        if (rules.monitorMs > 0) {
          expect(progress.phase).toBe('monitoring')
          expect(d.progress.phase).toBe('monitoring')
          expect(tick.now - progress.phaseStartedAt).toBeGreaterThanOrEqual(rules.monitorMs)
        }
      }),
      { numRuns: RUNS * 5 }
    )
  })

  it('never moves the phase backwards and keeps stepStartedAt', () => {
    fc.assert(
      fc.property(singleCallArb(fc.constantFrom(0, 0, 0, 1)), ({ goal, rules, progress, tick }) => {
        const d = decide(goal, rules, progress, tick)
        expect(PHASE_ORDER[d.progress.phase]).toBeGreaterThanOrEqual(PHASE_ORDER[progress.phase])
        expect(d.progress.stepStartedAt).toBe(progress.stepStartedAt)
        if (d.progress.phase !== progress.phase) {
          // A phase is only ever entered at the tick's time, and always forwards by entering it.
          expect(d.progress.phaseStartedAt).toBe(tick.now)
        } else {
          expect(d.progress.phaseStartedAt).toBe(progress.phaseStartedAt)
        }
      }),
      { numRuns: RUNS * 2 }
    )
  })

  it('counts consecutive successes in verifying: +1 on a passing probe, back to 0 on a failed one', () => {
    fc.assert(
      fc.property(singleCallArb(fc.constant(0)), probeArb, ({ goal, rules, progress, tick }, probe) => {
        const verifying = { ...progress, phase: 'verifying' as const, consecutiveSuccesses: Math.min(progress.consecutiveSuccesses, rules.successesNeeded - 1) }
        const ok = { ...tick, probe, runDeadlineAt: tick.now + 1, observation: { ...tick.observation, updateState: undefined } }
        const d = decide(goal, rules, verifying, ok)
        if (!probe.ok) {
          // The failed probe either resets the count (wait) or the step is past its deadline (revert).
          expect(d.progress.phase).toBe('verifying')
          if (d.verdict === 'wait') expect(d.progress.consecutiveSuccesses).toBe(0)
          else expect(tick.now - verifying.stepStartedAt).toBeGreaterThanOrEqual(rules.deadlineMs)
        } else if (verifying.consecutiveSuccesses + 1 >= rules.successesNeeded) {
          expect(d.verdict).not.toBe('revert')
          expect(d.progress.phase).toBe('monitoring')
        } else if (d.verdict === 'wait') {
          expect(d.progress.consecutiveSuccesses).toBe(verifying.consecutiveSuccesses + 1)
        }
      }),
      { numRuns: RUNS * 2 }
    )
  })

  it('wants a probe exactly when there is a health gate and the step has converged', () => {
    fc.assert(
      fc.property(progressArb, rulesArb(), (progress, rules) => {
        expect(wantsProbe(progress, rules)).toBe(rules.hasHealthGate && progress.phase !== 'converging')
      }),
      { numRuns: 200 }
    )
  })

  /**
   * A whole step driven from startStep(S) by ticks at most `gap` ms apart (the engine's tick),
   * with random observations and probes. The true bound, read from decide.ts: converging and
   * verifying share the step deadline D (both measured from stepStartedAt), but a transition is
   * checked before the deadline, so the step can still enter verifying at the first tick ≥ S + D and
   * monitoring at the next one, i.e. phaseStartedAt ≤ S + D + 2·gap. Monitoring then waits at most
   * M (the window) + D (for a replaced replica to come back) more. So a 'wait' is only ever returned
   * when now < min(runDeadlineAt, S + 2D + M + 2·gap), and every step ends (advance or revert) by the
   * first tick at or after that time. Note the bound is 2D + M, not D + M: the monitor phase gets a
   * second deadline of its own.
   */
  it('a step driven by ticks always ends in advance or revert, by stepStartedAt + 2·deadline + monitor (+ tick slack)', () => {
    fc.assert(
      fc.property(stepRunArb(rulesArb()), (run) => {
        const { goal, rules, gap, start } = run
        const runDeadlineAt = run.runFor === undefined ? Number.MAX_SAFE_INTEGER : start + run.runFor
        const waitLimit = Math.min(runDeadlineAt, start + 2 * rules.deadlineMs + rules.monitorMs + 2 * gap)
        const { decisions, ticks } = driveStep(run)
        decisions.forEach((d, i) => {
          const before = i === 0 ? startStep(start) : decisions[i - 1].progress
          check(PHASE_ORDER[d.progress.phase] >= PHASE_ORDER[before.phase], () => `phase went back from ${before.phase} to ${d.progress.phase} at ${ticks[i].now}`)
          // A wait is only possible before the bound…
          if (d.verdict === 'wait') check(ticks[i].now < waitLimit, () => `still waiting ${ticks[i].now - start} ms into the step (limit ${waitLimit - start}) in ${JSON.stringify(d.progress)}`)
        })
        // …so the step ended, at the latest at the first tick at or after it.
        const last = decisions[decisions.length - 1]
        const lastTick = ticks[ticks.length - 1]
        expect(last.verdict).not.toBe('wait')
        expect(lastTick.now).toBeLessThan(waitLimit + gap)
        if (last.verdict === 'advance') {
          expect(last.progress.phase).toBe('monitoring')
          if (rules.monitorMs > 0) expect(lastTick.observation.ready).toBeGreaterThanOrEqual(goal.newReplicas)
        }
      }),
      { numRuns: RUNS }
    )
  })

  // Found by this property (seed -1142940055): with monitor 0, a replica lost while verifying used to
  // let the step advance with 0 of 3 new replicas ready. enter() now re-checks readiness.
  it('advances only with every new replica ready, also with no monitor window', () => {
    fc.assert(
      fc.property(stepRunArb(rulesArb(fc.constant(0))), (run) => {
        const { decisions, ticks } = driveStep(run)
        const last = decisions[decisions.length - 1]
        if (last.verdict === 'advance') expect(ticks[ticks.length - 1].observation.ready).toBeGreaterThanOrEqual(run.goal.newReplicas)
      }),
      { numRuns: RUNS }
    )
  })
})

interface StepRun {
  goal: StepGoal
  rules: GateRules
  /** Longest time between two ticks. */
  gap: number
  start: number
  /** Time left for the whole run at the step's start; undefined: no run timeout. */
  runFor?: number
  gaps: number[]
  observations: ReplicaObservation[]
  probes: Array<ProbeVerdict | undefined>
  /** When set, once the step is monitoring every observation is this one (fewer replicas ready than
   *  the goal, nothing failed) and every probe passes: the slowest way through the monitor phase. */
  degradedWhileMonitoring?: ReplicaObservation
}

/** Observations during a step: mostly the batch in (so that runs get past converging), sometimes
 *  anything, rarely a failed replica. */
function stepObservationArb(goal: StepGoal): fc.Arbitrary<ReplicaObservation> {
  const settled: fc.Arbitrary<ReplicaObservation> = fc.record({
    desired: fc.constant(goal.total),
    ready: fc.integer({ min: goal.newReplicas, max: goal.total }),
    starting: fc.constant(0),
    failed: fc.constant(0),
    others: fc.integer({ min: 0, max: goal.total - goal.newReplicas }),
    failures: fc.constant<string[]>([]),
    updateState: fc.constant<string | undefined>('updating')
  })
  const anything = observationArb(goal, fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
  return fc.oneof({ arbitrary: settled, weight: 3 }, { arbitrary: anything, weight: 2 })
}

function stepRunArb(rules: fc.Arbitrary<GateRules>): fc.Arbitrary<StepRun> {
  return fc.tuple(goalArb, rules, fc.integer({ min: 1, max: 3_000 })).chain(([goal, rules, gap]) =>
    fc.record(
      {
        goal: fc.constant(goal),
        rules: fc.constant(rules),
        gap: fc.constant(gap),
        start: fc.integer({ min: 0, max: 1_000_000 }),
        runFor: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined, freq: 3 }),
        gaps: fc.array(fc.integer({ min: 1, max: gap }), { minLength: 1, maxLength: 30 }),
        observations: fc.array(stepObservationArb(goal), { minLength: 1, maxLength: 30 }),
        probes: fc.array(fc.option(probeArb, { nil: undefined, freq: 8 }), { minLength: 1, maxLength: 30 }),
        degradedWhileMonitoring: fc.option(
          fc.record({
            desired: fc.constant(goal.total),
            ready: fc.integer({ min: 0, max: goal.newReplicas - 1 }),
            starting: fc.integer({ min: 0, max: 2 }),
            failed: fc.constant(0),
            others: fc.integer({ min: 0, max: goal.total }),
            failures: fc.constant<string[]>([])
          }),
          { nil: undefined, freq: 2 }
        )
      },
      { requiredKeys: ['goal', 'rules', 'gap', 'start', 'gaps', 'observations', 'probes'] }
    )
  )
}

/** Runs decide() from startStep(start), cycling through the generated gaps, observations and probes
 *  (a probe only when wantsProbe), until a verdict other than 'wait' or a safety cap of ticks. */
const passing: ProbeVerdict = { ok: true, detail: '200 in 1 ms', durationMs: 1 }

function driveStep(run: StepRun): { decisions: Decision[]; ticks: Tick[] } {
  const runDeadlineAt = run.runFor === undefined ? Number.MAX_SAFE_INTEGER : run.start + run.runFor
  let progress = startStep(run.start)
  let now = run.start
  const decisions: Decision[] = []
  const ticks: Tick[] = []
  for (let i = 0; i < 1_000_000; i++) {
    now += run.gaps[i % run.gaps.length]
    const degraded = progress.phase === 'monitoring' ? run.degradedWhileMonitoring : undefined
    const probe = !wantsProbe(progress, run.rules) ? undefined : degraded ? passing : run.probes[i % run.probes.length]
    const tick: Tick = { now, runDeadlineAt, observation: degraded ?? run.observations[i % run.observations.length], probe }
    const d = decide(run.goal, run.rules, progress, tick)
    decisions.push(d)
    ticks.push(tick)
    if (d.verdict !== 'wait') break
    progress = d.progress
  }
  return { decisions, ticks }
}

// ---------------------------------------------------------------------------------------------
// observeTasks
// ---------------------------------------------------------------------------------------------

const hex64 = (c: string) => c.repeat(64)
const RELEASE = `reg.example.com/app:v2@sha256:${hex64('b')}`
const OTHER_IMAGES = [
  `reg.example.com/app:v1@sha256:${hex64('a')}`,
  `reg.example.com/app:v2@sha256:${hex64('c')}`, // same name and tag, another digest: another release
  'reg.example.com/app:v2', // unpinned: its text differs from the pinned release
  `reg.example.com/app@sha256:${hex64('d')}`
]
const SAME_IMAGES = [RELEASE, `other.example.com/renamed:latest@sha256:${hex64('b')}`] // same digest = same release
const STATES = ['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned', 'unknown']
const DESIRED = ['running', 'ready', 'accepted', 'shutdown', 'remove', undefined]
const WANTED = new Set(['running', 'ready', 'accepted'])
const SINCE = Date.parse('2026-01-01T00:00:00Z')

const taskArb = (images: string[]): fc.Arbitrary<SwarmTask> =>
  fc
    .record({
      id: fc.integer({ min: 0, max: 1e9 }),
      slot: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      image: fc.option(fc.constantFrom(...images), { nil: undefined, freq: 20 }),
      state: fc.option(fc.constantFrom(...STATES), { nil: undefined, freq: 20 }),
      desired: fc.constantFrom(...DESIRED),
      createdOffset: fc.option(fc.integer({ min: -60_000, max: 60_000 }), { nil: undefined, freq: 10 }),
      err: fc.option(fc.constantFrom('task: non-zero exit (1)', 'No such image', ''), { nil: undefined })
    })
    .map(({ id, slot, image, state, desired, createdOffset, err }) => ({
      ID: `task${id}`.padEnd(25, 'x'),
      Slot: slot,
      DesiredState: desired,
      CreatedAt: createdOffset === undefined ? undefined : new Date(SINCE + createdOffset).toISOString(),
      Spec: { ContainerSpec: image === undefined ? {} : { Image: image } },
      Status: state === undefined ? {} : { State: state, Err: err }
    }))

const tasksAndShuffleArb = fc
  .array(taskArb([...SAME_IMAGES, ...OTHER_IMAGES]), { maxLength: 40 })
  .chain((tasks) => fc.tuple(fc.constant(tasks), fc.shuffledSubarray(tasks, { minLength: tasks.length, maxLength: tasks.length })))

describe('property: observeTasks', () => {
  it('ready + starting never exceed the tasks on the release that are meant to run; others only count other releases', () => {
    fc.assert(
      fc.property(tasksAndShuffleArb, fc.integer({ min: 0, max: 50 }), ([tasks], desired) => {
        const o = observeTasks(tasks, RELEASE, desired, SINCE)
        const onRelease = tasks.filter((t) => sameRelease(t.Spec?.ContainerSpec?.Image, RELEASE))
        const wantedOnRelease = onRelease.filter((t) => WANTED.has(t.DesiredState ?? ''))
        const wantedElsewhere = tasks.filter((t) => !sameRelease(t.Spec?.ContainerSpec?.Image, RELEASE) && WANTED.has(t.DesiredState ?? ''))
        expect(o.desired).toBe(desired)
        expect(o.ready + o.starting).toBeLessThanOrEqual(wantedOnRelease.length)
        expect(o.ready).toBe(wantedOnRelease.filter((t) => t.Status?.State === 'running').length)
        expect(o.failed + o.ready + o.starting).toBeLessThanOrEqual(onRelease.length)
        expect(o.others).toBeLessThanOrEqual(wantedElsewhere.length)
        expect(o.failures).toHaveLength(o.failed)
      }),
      { numRuns: RUNS }
    )
  })

  it('does not depend on the order of the tasks', () => {
    fc.assert(
      fc.property(tasksAndShuffleArb, ([tasks, shuffled]) => {
        const a = observeTasks(tasks, RELEASE, 3, SINCE, { State: 'updating' })
        const b = observeTasks(shuffled, RELEASE, 3, SINCE, { State: 'updating' })
        // The failures are sorted newest first; tasks created at the same moment keep list order,
        // so compare them as a multiset.
        expect({ ...b, failures: [...b.failures].sort() }).toEqual({ ...a, failures: [...a.failures].sort() })
      }),
      { numRuns: RUNS }
    )
  })

  it('never counts a task on another release as ready, starting or failed', () => {
    fc.assert(
      fc.property(fc.array(taskArb(OTHER_IMAGES), { maxLength: 40 }), (tasks) => {
        const o = observeTasks(tasks, RELEASE, 3, SINCE)
        expect(o.ready).toBe(0)
        expect(o.starting).toBe(0)
        expect(o.failed).toBe(0)
        expect(o.failures).toEqual([])
      }),
      { numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// parseDuration
// ---------------------------------------------------------------------------------------------

const MAX_MS = 2 ** 31 - 1

describe('property: parseDuration', () => {
  it('parses ${h}h${m}m${s}s back to the same number of milliseconds (with and without zero parts)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Math.floor(MAX_MS / 1000) }), fc.boolean(), (totalSeconds, dropZeros) => {
        const h = Math.floor(totalSeconds / 3600)
        const m = Math.floor((totalSeconds % 3600) / 60)
        const s = totalSeconds % 60
        const parts: Array<[number, string]> = [[h, 'h'], [m, 'm'], [s, 's']]
        const text = parts
          .filter(([n]) => !dropZeros || n > 0)
          .map(([n, unit]) => `${n}${unit}`)
          .join('')
        expect(parseDuration('d', text)).toBe(totalSeconds * 1000)
      }),
      { numRuns: RUNS }
    )
  })

  it('parses ${n}ms, ${h}h${m}m${s}s${ms}ms and bare seconds back to the same number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_MS }), (ms) => {
        expect(parseDuration('d', `${ms}ms`)).toBe(ms)
        const h = Math.floor(ms / 3_600_000)
        const m = Math.floor((ms % 3_600_000) / 60_000)
        const s = Math.floor((ms % 60_000) / 1000)
        const rest = ms % 1000
        expect(parseDuration('d', `${h}h${m}m${s}s${rest}ms`)).toBe(ms)
        if (ms % 1000 === 0) expect(parseDuration('d', `${ms / 1000}`)).toBe(ms)
      }),
      { numRuns: RUNS }
    )
  })

  it('rejects anything above 2^31-1 ms and zero unless allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_MS + 1, max: Number.MAX_SAFE_INTEGER }), (ms) => {
        expect(() => parseDuration('d', `${ms}ms`)).toThrow('at most 596h')
      }),
      { numRuns: 200 }
    )
    expect(() => parseDuration('d', '0ms')).toThrow()
    expect(parseDuration('d', '0h0m0s', { allowZero: true })).toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------
// Image references
// ---------------------------------------------------------------------------------------------

const lower = 'abcdefghijklmnopqrstuvwxyz0123456789'
const alnum = fc.string({ unit: fc.constantFrom(...lower), minLength: 1, maxLength: 6 })
const separator = fc.constantFrom('.', '_', '__', '-', '--', '---')
const pathComponentArb = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, tail]) => head + tail.map(([sep, part]) => sep + part).join(''))

const domainComponentArb = fc.stringMatching(/^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,8}[a-zA-Z0-9])$/)
const hostArb = fc.oneof(
  fc.constant('localhost'),
  fc.array(domainComponentArb, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.')),
  fc.constantFrom('[::1]', '[fe80::1]', '127.0.0.1')
)
const registryArb = fc
  .tuple(hostArb, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([host, port]) => (port === undefined ? host : `${host}:${port}`))
const tagArb = fc
  .tuple(fc.constantFrom(...'abcXYZ019_'), fc.string({ unit: fc.constantFrom(...'abcXYZ019_.-'), maxLength: 20 }))
  .map(([first, rest]) => first + rest)
const digestArb = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((h) => `sha256:${h}`)

const imageRefArb: fc.Arbitrary<ImageRef> = fc
  .record({
    registry: fc.option(registryArb, { nil: undefined }),
    path: fc.array(pathComponentArb, { minLength: 1, maxLength: 3 }),
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(digestArb, { nil: undefined })
  })
  // Docker reads a first component with a '.' or ':' (or `localhost`) as a registry host, so without
  // a registry the first of several path components must have no '.': `a.b/c` is host `a.b`.
  .filter(({ registry, path }) => registry !== undefined || path.length === 1 || !path[0].includes('.'))
  .map(({ registry, path, tag, digest }) => {
    const ref: ImageRef = { repository: [...(registry === undefined ? [] : [registry]), ...path].join('/') }
    if (tag !== undefined) ref.tag = tag
    if (digest !== undefined) ref.digest = digest
    return ref
  })

describe('property: image references', () => {
  it('parseImageRef(formatImageRef(ref)) round-trips, and formatting the result gives the same text', () => {
    fc.assert(
      fc.property(imageRefArb, (ref) => {
        const text = formatImageRef(ref)
        const parsed = parseImageRef(text)
        expect(parsed).toEqual(ref)
        expect(formatImageRef(parsed!)).toBe(text)
      }),
      { numRuns: RUNS * 2 }
    )
  })

  it('an invalid tag or digest never parses', () => {
    fc.assert(
      fc.property(imageRefArb, fc.constantFrom(':', ':-bad', ':a b', '@sha256:xyz', '@sha512:' + hex64('a'), '@sha256:' + hex64('A')), (ref, suffix) => {
        expect(parseImageRef(`${ref.repository}${suffix}`)).toBeUndefined()
      }),
      { numRuns: RUNS }
    )
  })
})
