import { describe, expect, it } from '@jest/globals'
import { histogramQuantile, parseLe, type Bucket } from '../../src/analysis/histogram.js'

const b = (...pairs: Array<[number, number]>): Bucket[] => pairs.map(([le, count]) => ({ le, count }))
const INF = Infinity
// 40 observations ≤ 0.1, 60 ≤ 0.5, 70 ≤ 1, 70 in all.
const LATENCY = b([0.1, 40], [0.5, 60], [1, 70], [INF, 70])

describe('histogramQuantile', () => {
  const rows: Array<[string, number, Bucket[], number]> = [
    // rank 35 in (0, 0.1] holding 40 → 0.1 × 35/40.
    ['median in the first bucket, which starts at 0', 0.5, LATENCY, 0.1 * (35 / 40)],
    // rank 63: 60 below 0.5, 10 in (0.5, 1] → 0.5 + 0.5 × 3/10.
    ['p90 interpolated in (0.5, 1]', 0.9, LATENCY, 0.65],
    // rank 42: 40 below 0.1, 20 in (0.1, 0.5] → 0.1 + 0.4 × 2/20.
    ['p60 interpolated in (0.1, 0.5]', 0.6, LATENCY, 0.1 + 0.4 * (2 / 20)],
    ['p100: the top of the highest finite bucket reached', 1, LATENCY, 1],
    ['p0 with a non-empty first bucket', 0, LATENCY, 0],
    ['p0 with an empty first bucket: its lower bound (Prometheus: 0/0)', 0, b([1, 0], [2, 10], [INF, 10]), 0],
    // 1, 2, 3 ≤ 0.1, 0.5, 1 but 10 in all: rank 5 is in +Inf → the upper bound before it.
    ['in the +Inf bucket: the previous upper bound', 0.5, b([0.1, 1], [0.5, 2], [1, 3], [INF, 10]), 1],
    ['unsorted input is sorted by le', 0.9, b([INF, 70], [1, 70], [0.1, 40], [0.5, 60]), 0.65],
    // {1: 4+1} and {+Inf: 10}: rank 5 → 1 × 5/5.
    ['equal bounds are summed', 0.5, b([INF, 10], [1, 4], [1, 1]), 1],
    // 5 ≤ 1 but 3 ≤ 2 is read as 5 ≤ 2: rank 5 → 1 × 5/5.
    ['counts made non-decreasing', 0.5, b([1, 5], [2, 3], [INF, 10]), 1],
    ['a first bucket at or below zero returns its bound', 0.25, b([-1, 2], [0, 4], [INF, 4]), -1],
    ['q below 0', -0.1, LATENCY, -Infinity],
    ['q above 1', 1.1, LATENCY, Infinity],
    ['no observations', 0.5, b([0.1, 0], [1, 0], [INF, 0]), NaN],
    ['no buckets', 0.5, [], NaN],
    ['only the +Inf bucket', 0.5, b([INF, 10]), NaN],
    ['no +Inf bucket', 0.5, b([0.1, 5], [1, 10]), NaN],
    ['q NaN', NaN, LATENCY, NaN]
  ]
  it.each(rows)('%s: q=%d', (_name, q, buckets, expected) => {
    expect(histogramQuantile(q, buckets)).toBe(expected)
  })

  it('does not change its input', () => {
    const input = b([INF, 10], [1, 4], [1, 1])
    histogramQuantile(0.5, input)
    expect(input).toEqual(b([INF, 10], [1, 4], [1, 1]))
  })
})

describe('parseLe', () => {
  const rows: Array<[string, number]> = [
    ['0.5', 0.5],
    ['1e-3', 0.001],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['10', 10],
    ['', NaN],
    ['fast', NaN]
  ]
  it.each(rows)('%j → %d', (text, expected) => {
    expect(parseLe(text)).toBe(expected)
  })
})
