import { describe, expect, it } from '@jest/globals'
import { dropRiskWarnings, type DropRiskFacts } from '../../src/rollout/drop-risks.js'

const s = 1e9
const CHECK = { Test: ['CMD', '/app/health'], Interval: 1 * s }
const NO_CHECK =
  'Neither the service nor its image has a HEALTHCHECK: Swarm routes a new replica as soon as its container starts, before the app ' +
  'may be listening, and requests sent to it then fail. Give the image or the service a health check that passes only once the app serves.'
const grace = (seconds: string): string =>
  `The service's stop grace period is ${seconds}s: Swarm kills a replica that long after asking it to stop, so any request still ` +
  "running then is cut off. Set it (--stop-grace-period) above your slowest request; Docker's default is 10s."

describe('dropRiskWarnings', () => {
  const rows: Array<[string, DropRiskFacts, string[]]> = [
    ['a health check and the default grace period', { healthCheck: CHECK, healthCheckKnown: true, stopGracePeriodNs: undefined }, []],
    ['no health check anywhere', { healthCheck: undefined, healthCheckKnown: true, stopGracePeriodNs: undefined }, [NO_CHECK]],
    ['HEALTHCHECK NONE', { healthCheck: { Test: ['NONE'] }, healthCheckKnown: true, stopGracePeriodNs: undefined }, [NO_CHECK]],
    ['image not readable here: nothing said about it', { healthCheck: undefined, healthCheckKnown: false, stopGracePeriodNs: undefined }, []],
    ['grace period 1.5 s', { healthCheck: CHECK, healthCheckKnown: true, stopGracePeriodNs: 1.5 * s }, [grace('1.5')]],
    ['grace period 0', { healthCheck: CHECK, healthCheckKnown: true, stopGracePeriodNs: 0 }, [grace('0')]],
    ['grace period 5 s is enough', { healthCheck: CHECK, healthCheckKnown: true, stopGracePeriodNs: 5 * s }, []],
    ['both', { healthCheck: undefined, healthCheckKnown: true, stopGracePeriodNs: 2 * s }, [NO_CHECK, grace('2')]]
  ]
  it.each(rows)('%s', (_name, facts, warnings) => expect(dropRiskWarnings(facts)).toEqual(warnings))
})
