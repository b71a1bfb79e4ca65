// Runs the real deploy engine in-process against the local test bed, as the action would,
// with a recording log, connected the way the inputs say. Only the inputs a test cares about need to be given.
import { expect } from '@jest/globals'
import { INPUT_DEFAULTS, type Inputs } from '../../src/config/inputs.js'
import { parseConfig } from '../../src/config/parse-config.js'
import { deploy, type DeployResult } from '../../src/deploy.js'
import { createDockerClient } from '../../src/docker/client.js'
import { createHttpProbe } from '../../src/gates/http-probe.js'
import { MemoryLog } from '../../src/log.js'
import { realClock } from '../../src/rollout/clock.js'

// Fast gates for tests: the fixture app's health check runs every second.
export const FAST_GATES: Partial<Inputs> = {
  'health-interval': '500ms',
  'health-timeout': '2s',
  'health-successes': '2',
  monitor: '2s',
  deadline: '40s',
  timeout: '5m'
}

export async function runDeploy(inputs: Partial<Inputs>, env: NodeJS.ProcessEnv = { GITHUB_SHA: 'f'.repeat(40) }): Promise<DeployResult & { log: MemoryLog }> {
  const log = new MemoryLog()
  const config = parseConfig({ ...INPUT_DEFAULTS, ...FAST_GATES, ...inputs }, env)
  // As the action connects: the local socket by default, or the docker-host (TLS, SSH) a test gives.
  const docker = createDockerClient(config.dockerHost)
  const result = await deploy(config, { docker, probe: createHttpProbe(), clock: realClock, log })
  return { ...result, log }
}

/**
 * A run with pre-deploy and post-deploy that both passed around one batch: the steps in that order, the
 * pre-deploy job run from the new release (repo:tag@digest) exiting 0, and its log (the lines given, as
 * kept in the report and streamed into the run's log).
 */
export function expectJobsPassed(outcome: DeployResult & { log: MemoryLog }, image: string, logTail: string[]): void {
  expect(outcome.reason ?? outcome.result).toBe('succeeded')
  expect(outcome.report.steps.map((s) => `${s.name}: ${s.outcome}`)).toEqual(['pre-deploy: passed', 'batch 1/1: passed', 'post-deploy: passed'])
  expect(outcome.report.jobs).toEqual({ 'pre-deploy': 'succeeded', 'post-deploy': 'succeeded' })
  const pre = outcome.report.steps[0].job
  expect(pre?.exitCode).toBe(0)
  expect(pre?.image).toBe(`${image}@${outcome.digest}`)
  expect(pre?.logTail).toEqual(logTail)
  expect(outcome.log.lines).toContain(`  | ${logTail[0]}`)
}
