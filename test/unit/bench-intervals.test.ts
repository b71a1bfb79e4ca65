import { describe, expect, it } from '@jest/globals'
import { coveredMs, type Interval } from '../../bench/intervals.js'

const iv = (start: number, end: number): Interval => ({ start, end })

describe('coveredMs (the floor of batches)', () => {
  it.each<[string, Interval[], number]>([
    ['nothing', [], 0],
    ['one replica', [iv(1_000, 4_000)], 3_000],
    ['batches of one, one after another: a sum', [iv(0, 3_000), iv(5_000, 8_000), iv(10_000, 12_500)], 8_500],
    ['a set started together: the longest', [iv(0, 3_000), iv(100, 4_000), iv(200, 3_500)], 4_000],
    ['a canary pair, then one more', [iv(0, 3_000), iv(50, 3_200), iv(9_000, 11_000)], 5_200],
    ['touching intervals join', [iv(0, 1_000), iv(1_000, 2_000)], 2_000],
    ['one inside another', [iv(0, 10_000), iv(2_000, 3_000)], 10_000],
    ['given out of order', [iv(5_000, 6_000), iv(0, 1_000)], 2_000],
    ['an empty or reversed one is ignored', [iv(0, 1_000), iv(3_000, 3_000), iv(5_000, 4_000)], 1_000]
  ])('%s', (_name, intervals, expected) => {
    expect(coveredMs(intervals)).toBe(expected)
  })
})
