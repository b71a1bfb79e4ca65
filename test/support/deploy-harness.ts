// Runs the real deploy engine in-process against the local test bed, as the action would,
// with a recording log, connected the way the inputs say. Only the inputs a test cares about need to be given.
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
