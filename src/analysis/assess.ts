// The verdict of one metric over its readings so far, after Argo Rollouts' assessMetricStatus:
// limits on failed and inconclusive readings, and on consecutive errors of the metrics source.
import type { AnalysisLimits, AnalysisVerdict, Evaluation, Measurement, MeasurementPhase, NoDataPolicy } from './types.js'

/** A reading judged: no data becomes what the `no-data` input says, and the log says so. */
export function toMeasurement(evaluation: Evaluation, noData: NoDataPolicy, at: number): Measurement {
  const { values, detail } = evaluation
  if (evaluation.outcome === 'pass') return { at, phase: 'successful', values, detail }
  if (evaluation.outcome === 'fail') return { at, phase: 'failed', values, detail }
  const phase: MeasurementPhase = noData === 'pass' ? 'successful' : noData === 'fail' ? 'failed' : 'inconclusive'
  const counted = noData === 'pass' ? 'a pass' : noData === 'fail' ? 'a failure' : 'inconclusive'
  return { at, phase, values, detail: `${detail}; no data, counted as ${counted} (no-data: ${noData})` }
}

/** A reading that could not be taken (the source did not answer): counts toward consecutive errors. */
export function errorMeasurement(message: string, at: number): Measurement {
  return { at, phase: 'error', values: {}, detail: message }
}

/**
 * failed > failureLimit → failed; inconclusive > inconclusiveLimit → inconclusive; more trailing
 * errors than consecutiveErrorLimit → failed; once the window is over, successful if any reading
 * was, else inconclusive; running until then.
 */
export function assess(measurements: Measurement[], limits: AnalysisLimits, windowOver: boolean): AnalysisVerdict {
  const count = (phase: MeasurementPhase) => measurements.filter((m) => m.phase === phase).length
  const last = (phase: MeasurementPhase) => measurements.findLast((m) => m.phase === phase)?.detail ?? ''
  const failed = count('failed')
  const inconclusive = count('inconclusive')

  if (failed > limits.failureLimit) {
    return { phase: 'failed', reason: `${failed} failed measurement(s), more than failure-limit ${limits.failureLimit}; last: ${last('failed')}` }
  }
  if (inconclusive > limits.inconclusiveLimit) {
    return {
      phase: 'inconclusive',
      reason: `${inconclusive} inconclusive measurement(s), more than inconclusive-limit ${limits.inconclusiveLimit}; last: ${last('inconclusive')}`
    }
  }
  const trailingErrors = measurements.length - 1 - measurements.findLastIndex((m) => m.phase !== 'error')
  if (trailingErrors > limits.consecutiveErrorLimit) {
    return {
      phase: 'failed',
      reason: `the metrics source kept failing: ${trailingErrors} consecutive error(s), more than ${limits.consecutiveErrorLimit} allowed; last: ${last('error')}`
    }
  }
  if (!windowOver) return { phase: 'running' }
  if (count('successful') > 0) return { phase: 'successful' }
  if (measurements.length === 0) return { phase: 'inconclusive', reason: 'no successful measurement in the window (no measurement was taken)' }
  const errors = count('error')
  const tally = `${measurements.length} measurement(s): ${failed} failed, ${inconclusive} inconclusive, ${errors} error(s)`
  return { phase: 'inconclusive', reason: `no successful measurement in the window (${tally}); last: ${measurements[measurements.length - 1].detail}` }
}
