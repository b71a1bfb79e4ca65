// A monitor window shorter than the time a health check needs to call a replica unhealthy lets a bad
// release pass its gate before Docker notices. Pure: settings in, a warning (or none) out.

/** Docker's HEALTHCHECK settings as the Engine API gives them (nanoseconds), from a spec or an image. */
export interface HealthCheckSettings {
  Test?: string[]
  Interval?: number
  Timeout?: number
  Retries?: number
  StartPeriod?: number
}

// Docker's defaults when a HEALTHCHECK leaves a setting out.
const DEFAULT_INTERVAL_NS = 30e9
const DEFAULT_TIMEOUT_NS = 30e9
const DEFAULT_RETRIES = 3

/** Worst-case ms from a replica turning bad to Docker marking it unhealthy, or undefined without a check. */
export function timeToUnhealthyMs(check: HealthCheckSettings | undefined): number | undefined {
  if (!check?.Test?.length || check.Test[0] === 'NONE') return undefined
  const interval = check.Interval || DEFAULT_INTERVAL_NS
  const timeout = check.Timeout || DEFAULT_TIMEOUT_NS
  const retries = check.Retries || DEFAULT_RETRIES
  return Math.round((retries * (interval + timeout)) / 1e6)
}

export function monitorWindowWarning(check: HealthCheckSettings | undefined, monitorMs: number): string | undefined {
  const worst = timeToUnhealthyMs(check)
  if (worst === undefined || worst <= monitorMs) return undefined
  return (
    `monitor is ${monitorMs / 1000}s, but the health check can take up to ${worst / 1000}s to call a replica unhealthy ` +
    `(${check?.Retries || DEFAULT_RETRIES} retries × (interval + timeout)): a release that turns bad after starting may pass ` +
    `the gate. Raise monitor to at least ${Math.ceil(worst / 1000)}s, or rely on health-url.`
  )
}
