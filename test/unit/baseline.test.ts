import { describe, expect, it } from '@jest/globals'
import { DEFAULT_TOLERANCE, baselineLimit, compareToBaseline, describeTolerance, parseTolerance, type Tolerance } from '../../src/analysis/baseline.js'
import type { Evaluation } from '../../src/analysis/types.js'

describe('parseTolerance', () => {
  const rows: Array<[string, Tolerance, string]> = [
    ['20%', { relative: 0.2, absolute: 0 }, '20%'],
    ['+0.01', { relative: 0, absolute: 0.01 }, '+0.01'],
    ['20%+0.01', { relative: 0.2, absolute: 0.01 }, '20%+0.01'],
    [' 20 % + 0.01 ', { relative: 0.2, absolute: 0.01 }, '20%+0.01'],
    ['0%', { relative: 0, absolute: 0 }, '+0'],
    ['+0', { relative: 0, absolute: 0 }, '+0'],
    ['12.5%', { relative: 0.125, absolute: 0 }, '12.5%'],
    ['+1e-3', { relative: 0, absolute: 0.001 }, '+0.001'],
    ['150%+5', { relative: 1.5, absolute: 5 }, '150%+5']
  ]
  it.each(rows)('%j → %j', (text, tolerance, canonical) => {
    expect(parseTolerance(text)).toEqual(tolerance)
    expect(describeTolerance(tolerance)).toBe(canonical)
  })

  it('has a default that parses', () => {
    expect(parseTolerance(DEFAULT_TOLERANCE)).toEqual({ relative: 0.2, absolute: 0.01 })
  })

  const bad: Array<[string, string]> = [
    ['', 'the tolerance is empty'],
    ['  ', 'the tolerance is empty'],
    ['0.01', 'write 0.01% for a relative margin or +0.01 for an absolute one'],
    ['20', 'write 20% for a relative margin or +20 for an absolute one'],
    ['-5%', "'-5%' is not <relative>%, +<absolute> or <relative>%+<absolute>"],
    ['+0.01+20%', "'+0.01+20%' is not <relative>%, +<absolute> or <relative>%+<absolute>"],
    ['20%+', "'20%+' is not <relative>%, +<absolute> or <relative>%+<absolute>"],
    ['twenty%', "'twenty%' is not <relative>%, +<absolute> or <relative>%+<absolute>"]
  ]
  it.each(bad)('%j fails: %s', (text, message) => {
    expect(() => parseTolerance(text)).toThrow(new Error(message))
  })
})

describe('compareToBaseline', () => {
  const T = { relative: 0.2, absolute: 0.01 }
  const K = 'ratio(http_requests_total{code=~"5.."}, http_requests_total)'
  const rows: Array<[string, Record<string, number>, Record<string, number>, Tolerance, Evaluation]> = [
    [
      'worse than the stable beyond the tolerance',
      { [K]: 0.04 },
      { [K]: 0.01 },
      T,
      { outcome: 'fail', values: { [`canary ${K}`]: 0.04, [`stable ${K}`]: 0.01 }, detail: `${K}: canary 0.0400 vs stable 0.0100 (limit 0.0220): fail` }
    ],
    [
      'worse but within the tolerance',
      { [K]: 0.02 },
      { [K]: 0.01 },
      T,
      { outcome: 'pass', values: { [`canary ${K}`]: 0.02, [`stable ${K}`]: 0.01 }, detail: `${K}: canary 0.0200 vs stable 0.0100 (limit 0.0220): pass` }
    ],
    [
      'better than the stable',
      { result: 0.2 },
      { result: 0.5 },
      { relative: 0, absolute: 0 },
      { outcome: 'pass', values: { 'canary result': 0.2, 'stable result': 0.5 }, detail: 'result: canary 0.2000 vs stable 0.5000 (limit 0.5000): pass' }
    ],
    [
      'equal to the limit passes',
      { result: 0.5 },
      { result: 0.5 },
      { relative: 0, absolute: 0 },
      { outcome: 'pass', values: { 'canary result': 0.5, 'stable result': 0.5 }, detail: 'result: canary 0.5000 vs stable 0.5000 (limit 0.5000): pass' }
    ],
    [
      'stable at zero: the absolute margin is all there is',
      { result: 0.02 },
      { result: 0 },
      T,
      { outcome: 'fail', values: { 'canary result': 0.02, 'stable result': 0 }, detail: 'result: canary 0.0200 vs stable 0.0000 (limit 0.0100): fail' }
    ],
    [
      'the stable has no value',
      { result: 0.02 },
      {},
      T,
      { outcome: 'no-data', values: { 'canary result': 0.02 }, detail: 'result: canary 0.0200 vs stable no data: no data' }
    ],
    [
      'NaN on the stable side',
      { result: 0.02 },
      { result: NaN },
      T,
      { outcome: 'no-data', values: { 'canary result': 0.02 }, detail: 'result: canary 0.0200 vs stable NaN: no data' }
    ],
    [
      'NaN on the canary side',
      { result: NaN },
      { result: 0.02 },
      T,
      { outcome: 'no-data', values: { 'stable result': 0.02 }, detail: 'result: canary NaN vs stable 0.0200: no data' }
    ],
    ['nothing to compare', {}, { result: 1 }, T, { outcome: 'no-data', values: {}, detail: 'baseline: no canary value to compare' }],
    [
      'a failing key outweighs one without data',
      { a: 1, b: 1 },
      { a: 0.1 },
      T,
      { outcome: 'fail', values: { 'canary a': 1, 'stable a': 0.1, 'canary b': 1 }, detail: 'a: canary 1.0000 vs stable 0.1000 (limit 0.1300): fail; b: canary 1.0000 vs stable no data: no data' }
    ],
    [
      'every key must pass',
      { a: 0.1, b: 3 },
      { a: 0.1, b: 2 },
      T,
      {
        outcome: 'fail',
        values: { 'canary a': 0.1, 'stable a': 0.1, 'canary b': 3, 'stable b': 2 },
        detail: 'a: canary 0.1000 vs stable 0.1000 (limit 0.1300): pass; b: canary 3.0000 vs stable 2.0000 (limit 2.4100): fail'
      }
    ]
  ]
  it.each(rows)('%s', (_name, canary, stable, tolerance, expected) => {
    expect(compareToBaseline(canary, stable, tolerance)).toEqual(expected)
  })

  it('limit is stable × (1 + relative) + absolute', () => {
    expect(baselineLimit(2, { relative: 0.5, absolute: 1 })).toBe(4)
  })
})
