// The action's post step: runs after the job's steps, also when the job was cancelled or the main step
// was killed. When the main step did not reach its own end, it brings the service back to one known
// release (see recover.ts). It only warns: a post step never fails the job.
import * as core from '@actions/core'
import { actionLog } from './action-log.js'
import { readInputs, SECRET_INPUTS } from './config/inputs.js'
import { parseConfig } from './config/parse-config.js'
import { createDockerClient } from './docker/client.js'
import { withReconnect } from './docker/reconnect.js'
import { createHttpProbe } from './gates/http-probe.js'
import type { Log } from './log.js'
import { realClock } from './rollout/clock.js'
import { decodeRunState, RUN_STATE_KEY } from './run-state.js'
import type { Recovery } from './targets/platform.js'
import { platformForState } from './targets/platforms.js'

export async function post(): Promise<void> {
  const log = actionLog()
  await runPost(readInputs((name) => core.getInput(name)), process.env, core.getState(RUN_STATE_KEY), log)
}

export async function runPost(inputs: ReturnType<typeof readInputs>, env: NodeJS.ProcessEnv, saved: string, log: Log): Promise<Recovery | 'failed'> {
  const state = decodeRunState(saved)
  if (!state || state.phase === 'finished') return 'nothing to do'
  for (const name of SECRET_INPUTS) log.setSecret(inputs[name])
  try {
    const config = parseConfig(inputs, env)
    log.warning(`The rollout of ${state.service} did not finish (the job was cancelled or the step was killed): checking the service`)
    const docker = createDockerClient(config.dockerHost)
    withReconnect(docker, log, realClock)
    const platform = platformForState(state, config, { docker, log, clock: realClock })
    const recovery = await platform.recoverInterrupted(state, { probe: createHttpProbe(), clock: realClock, log })
    if (recovery !== 'not recovered') await platform.dropRunRecord(state.service, state.lockToken)
    log.info(`Post step: ${recovery}`)
    return recovery
  } catch (error) {
    log.warning(`Post step could not recover ${state.service}: ${(error as Error).message ?? error}. Check it by hand: it should run ${state.previous}`)
    return 'failed'
  }
}
