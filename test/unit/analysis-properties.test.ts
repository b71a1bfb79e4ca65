// Property tests for the metric-analysis core: the condition language round-trips through its
// canonical text, the quantile is monotone, counters never decrease, and canary replica counts are
// the fewest that reach the asked share.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { assess } from '../../src/analysis/assess.js'
import { compareToBaseline } from '../../src/analysis/baseline.js'
import { describeCondition, evaluateQuery, parseCondition, type Call, type Condition, type ConditionMode, type Expr, type Operand } from '../../src/analysis/condition.js'
import { histogramQuantile, type Bucket } from '../../src/analysis/histogram.js'
import { increase } from '../../src/analysis/scrape-window.js'
import type { LabelMatcher, Measurement, MeasurementPhase, Sample, Selector } from '../../src/analysis/types.js'
import { canaryReplicas, parseCanarySteps, planCanary, realisedShare } from '../../src/rollout/canary-plan.js'

const RUNS = 1000

/** A cheap assertion for hot loops; fast-check still reports the shrunk counterexample. */
function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message())
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

const notMinusZero = (n: number) => !Object.is(n, -0)
const numberArb = fc.double({ noNaN: true, noDefaultInfinity: true }).filter(notMinusZero)
const metricNameArb = fc.oneof(fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,8}$/), fc.constantFrom('and', 'or', 'not', 'result', 'rate'))
// `le` is refused in quantile(); any other name is fine everywhere.
const labelNameArb = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,5}$/).filter((n) => n !== 'le')
const matcherArb: fc.Arbitrary<LabelMatcher> = fc.oneof(
  fc.record({
    label: labelNameArb,
    op: fc.constantFrom('=' as const, '!=' as const),
    value: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('"', '\\', '\\"', 'a,b}', ''))
  }),
  fc.record({ label: labelNameArb, op: fc.constantFrom('=~' as const, '!~' as const), value: fc.constantFrom('5..', '.*', 'a|b', '[0-9]+', '', 'x\\.y') })
)
const selectorArb: fc.Arbitrary<Selector> = fc.record({ name: metricNameArb, matchers: fc.array(matcherArb, { maxLength: 3 }) })
const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ fn: fc.constantFrom('increase' as const, 'rate' as const, 'value' as const), selector: selectorArb }),
  fc.record({ fn: fc.constant('ratio' as const), numerator: selectorArb, denominator: selectorArb }),
  fc.record({ fn: fc.constant('quantile' as const), q: fc.double({ min: 0, max: 1, noNaN: true }).filter(notMinusZero), selector: selectorArb })
)
const opArb = fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const, '==' as const, '!=' as const)

function exprArb(mode: ConditionMode): fc.Arbitrary<Expr> {
  const data: fc.Arbitrary<Operand> = mode === 'query' ? fc.constant({ kind: 'result' as const }) : callArb.map((call) => ({ kind: 'call' as const, call }))
  const other: fc.Arbitrary<Operand> = fc.oneof(data, numberArb.map((value) => ({ kind: 'number' as const, value })))
  // One side at least is data: a comparison of two numbers is refused.
  const compare: fc.Arbitrary<Expr> = fc
    .tuple(data, other, opArb, fc.boolean())
    .map(([a, b, op, swap]) => ({ kind: 'compare' as const, op, left: swap ? b : a, right: swap ? a : b }))
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      compare,
      tie('expr').map((operand): Expr => ({ kind: 'not', operand })),
      fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('expr'), tie('expr')).map(([kind, left, right]): Expr => ({ kind, left, right }))
    )
  }))
  return expr
}

describe('property: condition text', () => {
  it.each<ConditionMode>(['query', 'scrape'])('parse(describe(c)) == c (%s)', (mode) => {
    fc.assert(
      fc.property(exprArb(mode), (expr) => {
        const condition: Condition = { mode, expr }
        const text = describeCondition(condition)
        expect(parseCondition(text, mode)).toEqual(condition)
      }),
      { numRuns: RUNS }
    )
  })

  it('the amount and kind of whitespace between tokens does not matter', () => {
    fc.assert(
      fc.property(exprArb('query'), fc.constantFrom('  ', '\n', '\t', ' \r\n '), (expr, pad) => {
        const condition: Condition = { mode: 'query', expr }
        const text = describeCondition(condition).replace(/ /g, pad)
        expect(parseCondition(text, 'query')).toEqual(condition)
      }),
      { numRuns: RUNS }
    )
  })

  it('several series pass exactly when each one passes alone', () => {
    const seriesArb = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 5 })
    fc.assert(
      fc.property(exprArb('query'), seriesArb, (expr, values) => {
        const condition: Condition = { mode: 'query', expr }
        const all = evaluateQuery(
          condition,
          values.map((value, i) => ({ labels: { i: String(i) }, value }))
        )
        const each = values.map((value) => evaluateQuery(condition, [{ labels: {}, value }]).outcome)
        check(all.outcome === (each.every((o) => o === 'pass') ? 'pass' : 'fail'), () => `${all.outcome} vs ${each.join(',')}: ${all.detail}`)
      }),
      { numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Histogram quantile and counters
// ---------------------------------------------------------------------------------------------

const bucketsArb: fc.Arbitrary<Bucket[]> = fc
  .tuple(
    fc.array(fc.record({ le: fc.double({ min: -1e6, max: 1e6, noNaN: true }), count: fc.nat(1000) }), { minLength: 1, maxLength: 8 }),
    fc.nat(1000)
  )
  .map(([finite, inf]) => [...finite, { le: Infinity, count: inf }])
const qArb = fc.double({ min: 0, max: 1, noNaN: true })

describe('property: histogramQuantile', () => {
  it('is monotone in q, and within the finite bounds', () => {
    fc.assert(
      fc.property(bucketsArb, qArb, qArb, (buckets, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const qlo = histogramQuantile(lo, buckets)
        const qhi = histogramQuantile(hi, buckets)
        check(Number.isNaN(qlo) === Number.isNaN(qhi), () => `NaN for one q only: ${qlo}, ${qhi}`)
        if (Number.isNaN(qlo)) return
        check(qlo <= qhi, () => `q ${lo} → ${qlo} but q ${hi} → ${qhi}`)
        const bounds = buckets.filter((x) => x.le !== Infinity).map((x) => x.le)
        check(qhi <= Math.max(...bounds), () => `${qhi} above the highest finite bound`)
        check(qlo >= Math.min(0, ...bounds), () => `${qlo} below 0 and every bound`)
      }),
      { numRuns: RUNS }
    )
  })

  it('is NaN exactly when there are no observations (given a +Inf bucket and a finite one)', () => {
    fc.assert(
      fc.property(bucketsArb, qArb, (buckets, q) => {
        const observations = Math.max(...buckets.map((x) => x.count))
        check(Number.isNaN(histogramQuantile(q, buckets)) === (observations === 0), () => `observations ${observations}`)
      }),
      { numRuns: RUNS }
    )
  })
})

describe('property: increase', () => {
  const sampleArb = (values: fc.Arbitrary<number>) =>
    fc.record({ name: fc.constantFrom('c', 'd'), labels: fc.record({ k: fc.constantFrom('a', 'b', 'c') }), value: values })
  const uniq = (samples: Sample[]) => [...new Map(samples.map((s) => [`${s.name}${s.labels.k}`, s])).values()]

  it('is never negative for counters, and is the sum of deltas without resets', () => {
    fc.assert(
      fc.property(fc.array(sampleArb(fc.nat(1000)), { maxLength: 6 }), fc.array(fc.nat(1000), { minLength: 6, maxLength: 6 }), (raw, deltas) => {
        const start = uniq(raw)
        const end = start.map((s, i) => ({ ...s, value: s.value + deltas[i] }))
        const selector: Selector = { name: 'c', matchers: [] }
        const inc = increase(selector, { start, end, seconds: 1 })
        const expected = start.reduce((sum, s, i) => sum + (s.name === 'c' ? deltas[i] : 0), 0)
        check(inc.value === expected, () => `increase ${inc.value}, deltas ${expected}`)
        // Shuffled roles: end values below start are resets, never a negative increase.
        check(increase(selector, { start: end, end: start, seconds: 1 }).value >= 0, () => 'negative increase')
      }),
      { numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

describe('property: assess and baseline', () => {
  const phaseArb = fc.constantFrom<MeasurementPhase>('successful', 'failed', 'inconclusive', 'error')
  const limitsArb = fc.record({ failureLimit: fc.nat(3), inconclusiveLimit: fc.nat(3), consecutiveErrorLimit: fc.nat(4) })

  it('is final once the window is over, and a failure beyond the limit fails whatever else happened', () => {
    fc.assert(
      fc.property(fc.array(phaseArb, { maxLength: 12 }), limitsArb, fc.boolean(), (phases, limits, over) => {
        const measurements: Measurement[] = phases.map((phase, at) => ({ at, phase, values: {}, detail: phase }))
        const verdict = assess(measurements, limits, over)
        if (over) check(verdict.phase !== 'running', () => 'running after the window')
        const failed = phases.filter((p) => p === 'failed').length
        if (failed > limits.failureLimit) check(verdict.phase === 'failed', () => `${failed} failed but ${verdict.phase}`)
        if (verdict.phase === 'successful') check(over && phases.includes('successful'), () => 'successful without a successful reading')
      }),
      { numRuns: RUNS }
    )
  })

  it('a canary no worse than the stable passes under any tolerance', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.record({ relative: fc.double({ min: 0, max: 10, noNaN: true }), absolute: fc.double({ min: 0, max: 10, noNaN: true }) }),
        (stable, fraction, tolerance) => {
          const canary = stable * fraction
          check(compareToBaseline({ k: canary }, { k: stable }, tolerance).outcome === 'pass', () => `${canary} vs ${stable}`)
        }
      ),
      { numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Canary plan
// ---------------------------------------------------------------------------------------------

describe('property: canary replicas', () => {
  const weightArb = fc.double({ min: 0.01, max: 99.99, noNaN: true })
  const stableArb = fc.integer({ min: 0, max: 1000 })

  it('is the fewest replicas (≥ 1) whose share reaches the weight', () => {
    fc.assert(
      fc.property(weightArb, stableArb, (weight, stable) => {
        const c = canaryReplicas(weight, stable)
        check(Number.isInteger(c) && c >= 1, () => `${c} replicas`)
        check(realisedShare(c, stable) >= weight, () => `${c} beside ${stable} is ${realisedShare(c, stable)}% < ${weight}%`)
        check(c === 1 || realisedShare(c - 1, stable) < weight, () => `${c - 1} beside ${stable} already reaches ${weight}%`)
      }),
      { numRuns: RUNS }
    )
  })

  it('steps written as text plan non-decreasing replicas and shares', () => {
    const stepsArb = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 6 }).map((s) => s.sort((a, b) => a - b))
    fc.assert(
      fc.property(stepsArb, stableArb, (weights, stable) => {
        const steps = parseCanarySteps(weights.map((w) => `${w}%`).join(','))
        expect(steps).toEqual(weights)
        const plan = planCanary({ target: 't', canary: 't-canary', from: 'a', to: 'b', stable, steps })
        plan.steps.forEach((step, i) => {
          const previous = plan.steps[i - 1]
          check(step.share >= step.weight, () => `step ${i + 1} share ${step.share} < ${step.weight}`)
          if (previous) check(step.replicas >= previous.replicas && step.share >= previous.share, () => `step ${i + 1} shrinks`)
        })
      }),
      { numRuns: RUNS }
    )
  })
})
