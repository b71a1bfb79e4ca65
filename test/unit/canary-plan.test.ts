import { describe, expect, it } from '@jest/globals'
import { canaryReplicas, describeCanaryPlan, formatPercent, parseCanarySteps, planCanary, realisedShare, type CanaryStepEntry } from '../../src/rollout/canary-plan.js'

describe('canaryReplicas and realisedShare', () => {
  // weight %, stable replicas, canary replicas, realised share % (exact: 100·c/(stable+c)).
  const rows: Array<[number, number, number, number]> = [
    [10, 3, 1, 25],
    [50, 3, 3, 50],
    [25, 3, 1, 25],
    [26, 3, 2, 40],
    [75, 3, 9, 75],
    [10, 1, 1, 50],
    [50, 1, 1, 50],
    [90, 1, 9, 90],
    [10, 10, 2, 200 / 12],
    [50, 10, 10, 50],
    [33, 2, 1, 100 / 3],
    [34, 2, 2, 50],
    [1, 100, 2, 200 / 102],
    [20, 4, 1, 20],
    [60, 4, 6, 60],
    [12.5, 7, 1, 12.5],
    [5, 0, 1, 100]
  ]
  it.each(rows)('%d%% beside %i stable → %i canary = %d%%', (weight, stable, replicas, share) => {
    expect(canaryReplicas(weight, stable)).toBe(replicas)
    expect(realisedShare(replicas, stable)).toBe(share)
  })

  it('has no share without replicas', () => {
    expect(realisedShare(0, 0)).toBe(0)
  })
})

describe('parseCanarySteps', () => {
  const good: Array<[string, CanaryStepEntry[]]> = [
    ['10%,50%', [10, 50]],
    ['10%\n25%\n50%\n', [10, 25, 50]],
    [' 5% , 12.5% ', [5, 12.5]],
    ['1%', [1]],
    ['10 %, 99.9%', [10, 99.9]],
    ['10%,,50%,', [10, 50]],
    ['10%, pause ,50%', [10, 'pause', 50]],
    ['10%,Pause', [10, 'pause']]
  ]
  it.each(good)('%j → %j', (text, steps) => {
    expect(parseCanarySteps(text)).toEqual(steps)
  })

  const FORM = 'percentages above 0% and below 100% in increasing order, such as 10%,50%, with pause where the run should wait for promote'
  const bad: Array<[string, string]> = [
    ['', `${FORM}; there is no step`],
    [' ,\n', `${FORM}; there is no step`],
    ['10', `${FORM}; entry 1 (10) is not a percentage or pause`],
    ['10%,abc', `${FORM}; entry 2 (abc) is not a percentage or pause`],
    ['-5%', `${FORM}; entry 1 (-5%) is not a percentage or pause`],
    ['10%;50%', `${FORM}; entry 1 (10%;50%) is not a percentage or pause`],
    ['0%', `${FORM}; entry 1 (0%) is not above 0%`],
    ['10%,100%', `${FORM}; entry 2 (100%) is not below 100% (promotion follows the last step)`],
    ['150%', `${FORM}; entry 1 (150%) is not below 100% (promotion follows the last step)`],
    ['50%,10%', `${FORM}; entry 2 (10%) is not above the step before it (50%)`],
    ['10%,10%', `${FORM}; entry 2 (10%) is not above the step before it (10%)`],
    ['pause,10%', `${FORM}; entry 1 (pause) comes before any share, when no canary runs yet`],
    ['10%,pause,pause,50%', `${FORM}; entry 3 (pause) follows another pause`]
  ]
  it.each(bad)('%j fails: %s', (text, message) => {
    expect(() => parseCanarySteps(text)).toThrow(new Error(message))
  })
})

describe('formatPercent', () => {
  const rows: Array<[number, string]> = [
    [25, '25%'],
    [200 / 12, '16.7%'],
    [12.5, '12.5%'],
    [100 / 3, '33.3%'],
    [99.96, '100%']
  ]
  it.each(rows)('%d → %s', (value, text) => {
    expect(formatPercent(value)).toBe(text)
  })
})

describe('planCanary', () => {
  it('is data that says what will happen', () => {
    const plan = planCanary({ target: 'api', canary: 'api-canary', from: 'r/app:1@sha256:aa', to: 'r/app:2@sha256:bb', stable: 3, steps: [10, 25, 50] })
    expect(plan).toEqual({
      strategy: 'canary',
      target: 'api',
      canary: 'api-canary',
      from: 'r/app:1@sha256:aa',
      to: 'r/app:2@sha256:bb',
      stable: 3,
      steps: [
        { kind: 'canary', index: 1, of: 3, weight: 10, replicas: 1, share: 25 },
        // Same replica count as the step before: kept, and analysed again.
        { kind: 'canary', index: 2, of: 3, weight: 25, replicas: 1, share: 25 },
        { kind: 'canary', index: 3, of: 3, weight: 50, replicas: 3, share: 50 }
      ]
    })
    expect(describeCanaryPlan(plan)).toEqual([
      'Canary of api: 3 step(s) with api-canary beside 3 stable replica(s), then promotion',
      '  from r/app:1@sha256:aa',
      '  to   r/app:2@sha256:bb',
      '  1. canary 10% → 1 replica(s) beside 3 stable = 25% of traffic, then analyse',
      '  2. canary 25% → 1 replica(s) beside 3 stable = 25% of traffic, then analyse',
      '  3. canary 50% → 3 replica(s) beside 3 stable = 50% of traffic, then analyse',
      '  4. promote: roll api to the new release, then remove api-canary'
    ])
  })

  it('shows an uneven share to one decimal', () => {
    const plan = planCanary({ target: 'web', canary: 'web-canary', from: 'a', to: 'b', stable: 10, steps: [10] })
    expect(plan.steps).toEqual([{ kind: 'canary', index: 1, of: 1, weight: 10, replicas: 2, share: 200 / 12 }])
    expect(describeCanaryPlan(plan).slice(3)).toEqual([
      '  1. canary 10% → 2 replica(s) beside 10 stable = 16.7% of traffic, then analyse',
      '  2. promote: roll web to the new release, then remove web-canary'
    ])
  })

  it('marks the step a pause follows, and says so in the plan', () => {
    const plan = planCanary({ target: 'web', canary: 'web-canary', from: 'a', to: 'b', stable: 3, steps: [10, 'pause', 50, 'pause'] })
    expect(plan.steps.map((s) => [s.index, s.of, s.weight, s.pauseAfter ?? false])).toEqual([[1, 2, 10, true], [2, 2, 50, true]])
    expect(describeCanaryPlan(plan).slice(3)).toEqual([
      '  1. canary 10% → 1 replica(s) beside 3 stable = 25% of traffic, then analyse',
      '     then pause: the canary keeps running until operation promote (or abort)',
      '  2. canary 50% → 3 replica(s) beside 3 stable = 50% of traffic, then analyse',
      '     then pause: the canary keeps running until operation promote (or abort)',
      '  3. promote: roll web to the new release, then remove web-canary'
    ])
  })
})
