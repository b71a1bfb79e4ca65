import { describe, expect, it } from '@jest/globals'
import { describePlan, planBatches, planRolling, resolveBatchSize } from '../../src/rollout/plan.js'
import type { BatchSize } from '../../src/config/types.js'

describe('resolveBatchSize', () => {
  const rows: Array<[BatchSize, number, number]> = [
    [{ kind: 'count', value: 1 }, 3, 1],
    [{ kind: 'count', value: 2 }, 3, 2],
    [{ kind: 'count', value: 5 }, 3, 3],
    [{ kind: 'percent', value: 50 }, 3, 2],
    [{ kind: 'percent', value: 10 }, 3, 1],
    [{ kind: 'percent', value: 25 }, 8, 2],
    [{ kind: 'percent', value: 100 }, 7, 7],
    [{ kind: 'percent', value: 1 }, 1, 1],
    [{ kind: 'percent', value: 34 }, 3, 2]
  ]
  it.each(rows)('%j of %i replicas is %i', (batch, total, expected) => {
    expect(resolveBatchSize(batch, total)).toBe(expected)
  })
})

describe('planBatches', () => {
  const rows: Array<[number, number, Array<[number, number]>]> = [
    // total, size, [size, newReplicas] per batch
    [3, 1, [[1, 1], [1, 2], [1, 3]]],
    [3, 2, [[2, 2], [1, 3]]],
    [3, 3, [[3, 3]]],
    [5, 2, [[2, 2], [2, 4], [1, 5]]],
    [1, 1, [[1, 1]]],
    [0, 1, []]
  ]
  it.each(rows)('%i replicas in batches of %i', (total, size, expected) => {
    const steps = planBatches(total, size)
    expect(steps.map((s) => [s.size, s.newReplicas])).toEqual(expected)
    steps.forEach((s, i) => {
      expect(s.index).toBe(i + 1)
      expect(s.of).toBe(expected.length)
      expect(s.total).toBe(total)
    })
  })

  it('always ends with every replica on the new release and never replaces more than a batch at once', () => {
    for (let total = 1; total <= 20; total++) {
      for (let size = 1; size <= total; size++) {
        const steps = planBatches(total, size)
        expect(steps.at(-1)?.newReplicas).toBe(total)
        for (const s of steps) expect(s.size).toBeGreaterThan(0)
        for (const s of steps) expect(s.size).toBeLessThanOrEqual(size)
        expect(steps.reduce((sum, s) => sum + s.size, 0)).toBe(total)
      }
    }
  })
})

describe('planRolling', () => {
  it('is data that says what will happen', () => {
    const plan = planRolling({ target: 'api', from: 'r/app:1@sha256:aa', to: 'r/app:2@sha256:bb', total: 3, batch: { kind: 'percent', value: 50 } })
    expect(plan).toEqual({
      strategy: 'rolling',
      target: 'api',
      from: 'r/app:1@sha256:aa',
      to: 'r/app:2@sha256:bb',
      total: 3,
      batchSize: 2,
      steps: [
        { kind: 'batch', index: 1, of: 2, size: 2, newReplicas: 2, total: 3 },
        { kind: 'batch', index: 2, of: 2, size: 1, newReplicas: 3, total: 3 }
      ]
    })
    expect(describePlan(plan)).toEqual([
      'Rolling update of api: 3 replica(s) in 2 batch(es) of up to 2',
      '  from r/app:1@sha256:aa',
      '  to   r/app:2@sha256:bb',
      '  1. replace 2 replica(s) (start-first) → 2/3 on the new release, then gate',
      '  2. replace 1 replica(s) (start-first) → 3/3 on the new release, then gate'
    ])
  })
})
