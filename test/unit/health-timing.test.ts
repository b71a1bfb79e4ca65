import { describe, expect, it } from '@jest/globals'
import { monitorWindowWarning, timeToUnhealthyMs, type HealthCheckSettings } from '../../src/rollout/health-timing.js'

const s = 1e9
describe('timeToUnhealthyMs', () => {
  const rows: Array<[string, HealthCheckSettings | undefined, number | undefined]> = [
    ['no health check', undefined, undefined],
    ['HEALTHCHECK NONE', { Test: ['NONE'] }, undefined],
    ['Docker defaults', { Test: ['CMD', 'true'] }, 180_000],
    ['fast check', { Test: ['CMD', 'true'], Interval: 1 * s, Timeout: 2 * s, Retries: 2, StartPeriod: 2 * s }, 6_000],
    ['interval only', { Test: ['CMD-SHELL', 'true'], Interval: 5 * s }, 105_000]
  ]
  it.each(rows)('%s', (_name, check, ms) => expect(timeToUnhealthyMs(check)).toBe(ms))
})

describe('monitorWindowWarning', () => {
  it('warns when the window is shorter than the worst case', () => {
    expect(monitorWindowWarning({ Test: ['CMD', 'true'], Interval: 5 * s, Timeout: 2 * s, Retries: 3 }, 10_000)).toBe(
      'monitor is 10s, but the health check can take up to 21s to call a replica unhealthy (3 retries × (interval + timeout)): ' +
        'a release that turns bad after starting may pass the gate. Raise monitor to at least 21s, or rely on health-url.'
    )
  })
  it('is quiet when the window covers it, or there is no check', () => {
    expect(monitorWindowWarning({ Test: ['CMD', 'true'], Interval: 1 * s, Timeout: 2 * s, Retries: 2 }, 10_000)).toBeUndefined()
    expect(monitorWindowWarning(undefined, 0)).toBeUndefined()
  })
})
