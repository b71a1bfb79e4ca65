// Bad input found only by looking at the target: each is refused with one exact message, and the
// recording socket in front of dockerd shows that no call that changes anything was made. (Bad input
// found from the inputs alone is the table in test/unit/parse-config.test.ts: it never reaches Docker.)
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import Docker from 'dockerode'
import { INPUT_DEFAULTS, type Inputs } from '../../src/config/inputs.js'
import { parseConfig } from '../../src/config/parse-config.js'
import { deploy } from '../../src/deploy.js'
import { createHttpProbe } from '../../src/gates/http-probe.js'
import { MemoryLog } from '../../src/log.js'
import { realClock } from '../../src/rollout/clock.js'
import { companionName } from '../../src/targets/companion-spec.js'
import { FAST_GATES } from '../support/deploy-harness.js'
import { startDockerRecorder, type DockerRecorder } from '../support/docker-recorder.js'
import { APP_REPO, createCleanup, createService, serviceOnOwnNetwork, uniqueName } from '../support/testbed.js'

jest.setTimeout(120_000)
const cleanup = createCleanup()
let recorder: DockerRecorder
let one: string
let zero: string
let foreign: string

beforeAll(async () => {
  recorder = await startDockerRecorder()
  one = (await serviceOnOwnNetwork(cleanup, 'bad', 1)).service
  const other = await serviceOnOwnNetwork(cleanup, 'bad', 1)
  foreign = other.service
  // A service of the canary's name that we did not make.
  await createService({ name: companionName(foreign, 'canary'), image: `${APP_REPO}:v1`, replicas: 1, network: other.network, endpointMode: 'dnsrr' })
  zero = uniqueName('bad')
  cleanup.service(zero)
  await createService({ name: zero, image: `${APP_REPO}:v1`, replicas: 0, network: other.network, endpointMode: 'dnsrr', wait: false })
})
afterAll(async () => {
  await recorder.close()
  await cleanup.run()
})

async function refused(inputs: Partial<Inputs>): Promise<{ message: string; changes: string[] }> {
  recorder.calls.length = 0
  const config = parseConfig({ ...INPUT_DEFAULTS, ...FAST_GATES, ...inputs }, { GITHUB_SHA: 'f'.repeat(40) })
  const docker = new Docker({ socketPath: recorder.socketPath })
  const message = await deploy(config, { docker, probe: createHttpProbe(), clock: realClock, log: new MemoryLog() }).then(
    (r) => `no error: ${r.result}`,
    (error: Error) => error.message
  )
  return { message, changes: recorder.changes() }
}

describe('bad input found on the target', () => {
  const rows: Array<[string, () => Partial<Inputs>, () => string | RegExp]> = [
    ['a service that does not exist', () => ({ image: `${APP_REPO}:v2`, service: 'zdd-no-such-service' }), () => `Invalid input 'service': "zdd-no-such-service". Expected the name of a Swarm service, or of containers labelled zdd.service=zdd-no-such-service on this Docker host; for their first deploy, set network.`],
    ['a service scaled to zero', () => ({ image: `${APP_REPO}:v2`, service: zero }), () => `Invalid input 'service': "${zero}". Expected a service with at least 1 running replica (scale it up before rolling it out).`],
    ['a canary name taken by a service we did not make', () => ({ image: `${APP_REPO}:v2`, service: foreign, strategy: 'canary' }), () => `A service named '${companionName(foreign, 'canary')}' already exists and was not made by zero-downtime-deploy for '${foreign}'; the canary needs that name: rename or remove that service`],
    ['promote with no paused canary', () => ({ operation: 'promote', image: '', service: one }), () => `Invalid input 'operation': "promote". Expected a paused canary to promote, but service '${companionName(one, 'canary')}' does not exist.`],
    ['abort with no paused canary', () => ({ operation: 'abort', image: '', service: one }), () => `Invalid input 'operation': "abort". Expected a paused canary to abort, but service '${companionName(one, 'canary')}' does not exist.`],
    ['rollback with nothing recorded', () => ({ operation: 'rollback', image: '', service: one }), () => `Invalid input 'operation': "rollback". Expected an image with a digest to roll back to, since service '${one}' has no release recorded by an earlier rollout (label zdd.previous-image).`],
    ['rollback to a tag, not a digest', () => ({ operation: 'rollback', image: `${APP_REPO}:v1`, service: one }), () => `Invalid input 'image': "${APP_REPO}:v1". Expected an image with a digest (repo@sha256:…) for operation rollback, or empty for the release recorded on the service.`],
    // The end of this one is the registry's own words.
    ['an image that is in no registry', () => ({ image: `${APP_REPO}:no-such-tag`, service: one }), () => new RegExp(`^Could not resolve the digest of ${APP_REPO.replace(/\./g, '\\.')}:no-such-tag from its registry: .*manifest unknown`)]
  ]
  it.each(rows)('%s', async (_title, inputs, expected) => {
    const { message, changes } = await refused(inputs())
    const want = expected()
    if (typeof want === 'string') expect(message).toBe(want)
    else expect(message).toMatch(want)
    expect(changes).toEqual([])
  })
})
