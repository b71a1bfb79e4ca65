import { describe, expect, it } from '@jest/globals'
import { failureBreakdown, overhead, renderTable } from '../../bench/table.js'

describe('bench table', () => {
  it('breaks failures down by status and error, most frequent first, leaving 2xx out', () => {
    expect(failureBreakdown({ '200': 900, '503': 12, '502': 1 }, { ECONNRESET: 2 })).toBe('503×12, ECONNRESET×2, 502×1')
    expect(failureBreakdown({ '200': 10 }, {})).toBe('')
  })

  it('gives the overhead over the floor as a ratio, or – without a floor', () => {
    expect(overhead({ rolloutMs: 24_000, floorMs: 10_000 })).toBe('2.4×')
    expect(overhead({ rolloutMs: 24_000 })).toBe('–')
  })

  it('renders aligned Markdown rows in the order given', () => {
    const table = renderTable([
      { situation: 'well-behaved', rollout: 'zdd rolling (swarm)', requests: 2400, failed: 0, rolloutMs: 18_250, result: 'succeeded', floorMs: 9_100, breakdown: '' },
      { situation: 'broken release', rollout: 'docker service update, stop-first', requests: 2100, failed: 3, rolloutMs: 30_000, result: 'rollback_completed', revertDelayMs: 5_400, breakdown: '503×3' }
    ])
    expect(table.split('\n')).toEqual([
      '| situation      | rollout                           | requests | failed | failures | rollout time | floor | time / floor | gate fail → revert | result             |',
      '|----------------|-----------------------------------|----------|--------|----------|--------------|-------|--------------|--------------------|--------------------|',
      '| well-behaved   | zdd rolling (swarm)               | 2400     | 0      | –        | 18.3 s       | 9.1 s | 2.0×         | –                  | succeeded          |',
      '| broken release | docker service update, stop-first | 2100     | 3      | 503×3    | 30.0 s       | –     | –            | 5.4 s              | rollback_completed |'
    ])
  })
})
