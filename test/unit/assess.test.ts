import { describe, expect, it } from '@jest/globals'
import { assess, errorMeasurement, toMeasurement } from '../../src/analysis/assess.js'
import type { AnalysisLimits, AnalysisVerdict, Evaluation, Measurement, MeasurementPhase, NoDataPolicy } from '../../src/analysis/types.js'

describe('toMeasurement', () => {
  const pass: Evaluation = { outcome: 'pass', values: { result: 0.004 }, detail: 'result = 0.0040 (condition result < 0.01: pass)' }
  const fail: Evaluation = { outcome: 'fail', values: { result: 0.02 }, detail: 'result = 0.0200 (condition result < 0.01: fail)' }
  const noData: Evaluation = { outcome: 'no-data', values: {}, detail: 'the query returned no data' }
  const rows: Array<[Evaluation, NoDataPolicy, MeasurementPhase, string]> = [
    [pass, 'fail', 'successful', pass.detail],
    [fail, 'pass', 'failed', fail.detail],
    [noData, 'fail', 'failed', 'the query returned no data; no data, counted as a failure (no-data: fail)'],
    [noData, 'inconclusive', 'inconclusive', 'the query returned no data; no data, counted as inconclusive (no-data: inconclusive)'],
    [noData, 'pass', 'successful', 'the query returned no data; no data, counted as a pass (no-data: pass)']
  ]
  it.each(rows)('%j with no-data %s → %s', (evaluation, policy, phase, detail) => {
    expect(toMeasurement(evaluation, policy, 1000)).toEqual({ at: 1000, phase, values: evaluation.values, detail })
  })

  it('errorMeasurement', () => {
    expect(errorMeasurement('connect ECONNREFUSED 127.0.0.1:9090', 5)).toEqual({ at: 5, phase: 'error', values: {}, detail: 'connect ECONNREFUSED 127.0.0.1:9090' })
  })
})

describe('assess', () => {
  // A reading per letter: s successful, f failed, i inconclusive, e error. Detail: letter and position.
  const PHASES: Record<string, MeasurementPhase> = { s: 'successful', f: 'failed', i: 'inconclusive', e: 'error' }
  const readings = (letters: string): Measurement[] =>
    [...letters].map((l, n) => ({ at: n * 1000, phase: PHASES[l], values: {}, detail: `${PHASES[l]} #${n + 1}` }))
  const limits = (failureLimit: number, inconclusiveLimit: number, consecutiveErrorLimit: number): AnalysisLimits => ({
    failureLimit,
    inconclusiveLimit,
    consecutiveErrorLimit
  })
  const DEFAULT = limits(0, 0, 4)

  const rows: Array<[string, AnalysisLimits, boolean, AnalysisVerdict]> = [
    ['', DEFAULT, false, { phase: 'running' }],
    ['', DEFAULT, true, { phase: 'inconclusive', reason: 'no successful measurement in the window (no measurement was taken)' }],
    ['ss', DEFAULT, false, { phase: 'running' }],
    ['sss', DEFAULT, true, { phase: 'successful' }],
    ['sf', DEFAULT, false, { phase: 'failed', reason: '1 failed measurement(s), more than failure-limit 0; last: failed #2' }],
    ['sfs', limits(1, 0, 4), true, { phase: 'successful' }],
    ['fsfs', limits(1, 0, 4), false, { phase: 'failed', reason: '2 failed measurement(s), more than failure-limit 1; last: failed #3' }],
    ['si', DEFAULT, false, { phase: 'inconclusive', reason: '1 inconclusive measurement(s), more than inconclusive-limit 0; last: inconclusive #2' }],
    ['sisi', limits(0, 2, 4), true, { phase: 'successful' }],
    // Failure is judged before inconclusiveness.
    ['if', DEFAULT, false, { phase: 'failed', reason: '1 failed measurement(s), more than failure-limit 0; last: failed #2' }],
    ['seeee', DEFAULT, false, { phase: 'running' }],
    ['seeeee', DEFAULT, false, { phase: 'failed', reason: 'the metrics source kept failing: 5 consecutive error(s), more than 4 allowed; last: error #6' }],
    ['eeee', limits(0, 0, 3), false, { phase: 'failed', reason: 'the metrics source kept failing: 4 consecutive error(s), more than 3 allowed; last: error #4' }],
    // A good reading between errors resets the count: only trailing errors are consecutive.
    ['eeseee', limits(0, 0, 3), false, { phase: 'running' }],
    ['eeseee', limits(0, 0, 3), true, { phase: 'successful' }],
    ['e', limits(0, 0, 0), false, { phase: 'failed', reason: 'the metrics source kept failing: 1 consecutive error(s), more than 0 allowed; last: error #1' }],
    [
      'ee',
      DEFAULT,
      true,
      { phase: 'inconclusive', reason: 'no successful measurement in the window (2 measurement(s): 0 failed, 0 inconclusive, 2 error(s)); last: error #2' }
    ],
    [
      'fie',
      limits(1, 1, 4),
      true,
      { phase: 'inconclusive', reason: 'no successful measurement in the window (3 measurement(s): 1 failed, 1 inconclusive, 1 error(s)); last: error #3' }
    ]
  ]
  it.each(rows)('%j with %j, window over %s', (letters, l, windowOver, verdict) => {
    expect(assess(readings(letters), l, windowOver)).toEqual(verdict)
  })
})
