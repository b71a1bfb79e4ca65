import { describe, expect, it } from '@jest/globals'
import { dropRiskWarnings, type DropRiskFacts } from '../../src/rollout/drop-risks.js'

const CHECK = { Test: ['CMD', '/app/health'], Interval: 1e9 }
const SWARM_NO_CHECK =
  'Neither the service nor its image has a HEALTHCHECK: Swarm routes a new replica as soon as its container starts, before the app ' +
  'may be listening, and requests sent to it then fail. Give the image or the service a health check that passes only once the app serves.'
const swarmGrace = (seconds: string): string =>
  `The service's stop grace period is ${seconds}s: Swarm kills a replica that long after asking it to stop, so any request still ` +
  "running then is cut off. Set it (--stop-grace-period) above your slowest request; Docker's default is 10s."
const PLAIN_NO_CHECK =
  'Neither the containers nor their image has a HEALTHCHECK, and health-url is not set: a new container joins the alias as soon as it ' +
  'runs, before the app may be listening, and requests sent to it then fail. Give the image a health check that passes only once the app ' +
  'serves, or set health-url (probed at each new container before it joins the alias).'
const plainGrace = (seconds: string): string =>
  `The containers' stop timeout is ${seconds}s: Docker kills a container that long after asking it to stop, so any request still ` +
  "running then is cut off. Set it (docker run --stop-timeout) above your slowest request; Docker's default is 10s."

const facts = (over: Partial<DropRiskFacts>): DropRiskFacts => ({ healthCheck: CHECK, healthCheckKnown: true, healthGate: false, stopGraceMs: undefined, ...over })

describe("dropRiskWarnings('swarm')", () => {
  const rows: Array<[string, DropRiskFacts, string[]]> = [
    ['a health check and the default grace period', facts({}), []],
    ['no health check anywhere', facts({ healthCheck: undefined }), [SWARM_NO_CHECK]],
    ['no health check, even with health-url (Swarm routes before the gate probes)', facts({ healthCheck: undefined, healthGate: true }), [SWARM_NO_CHECK]],
    ['HEALTHCHECK NONE', facts({ healthCheck: { Test: ['NONE'] } }), [SWARM_NO_CHECK]],
    ['image not readable here: nothing said about it', facts({ healthCheck: undefined, healthCheckKnown: false }), []],
    ['grace period 1.5 s', facts({ stopGraceMs: 1_500 }), [swarmGrace('1.5')]],
    ['grace period 0', facts({ stopGraceMs: 0 }), [swarmGrace('0')]],
    ['grace period 5 s is enough', facts({ stopGraceMs: 5_000 }), []],
    ['both', facts({ healthCheck: undefined, stopGraceMs: 2_000 }), [SWARM_NO_CHECK, swarmGrace('2')]]
  ]
  it.each(rows)('%s', (_name, f, warnings) => expect(dropRiskWarnings('swarm', f)).toEqual(warnings))
})

describe("dropRiskWarnings('docker')", () => {
  const rows: Array<[string, DropRiskFacts, string[]]> = [
    ['a health check and the default stop timeout', facts({}), []],
    ['no health check and no health-url', facts({ healthCheck: undefined }), [PLAIN_NO_CHECK]],
    ['no health check, but health-url probes each new container first', facts({ healthCheck: undefined, healthGate: true }), []],
    ['HEALTHCHECK NONE', facts({ healthCheck: { Test: ['NONE'] } }), [PLAIN_NO_CHECK]],
    ['image not readable here: nothing said about it', facts({ healthCheck: undefined, healthCheckKnown: false }), []],
    ['stop timeout 1 s', facts({ stopGraceMs: 1_000 }), [plainGrace('1')]],
    ['stop timeout 5 s is enough', facts({ stopGraceMs: 5_000 }), []],
    ['both', facts({ healthCheck: undefined, stopGraceMs: 0 }), [PLAIN_NO_CHECK, plainGrace('0')]]
  ]
  it.each(rows)('%s', (_name, f, warnings) => expect(dropRiskWarnings('docker', f)).toEqual(warnings))
})
