// The action's glue: inputs → config → deploy → outputs, summary and exit status.
import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { actionLog } from './action-log.js'
import { InputError } from './config/input-error.js'
import { readInputs, SECRET_INPUTS, type Inputs } from './config/inputs.js'
import { parseConfig } from './config/parse-config.js'
import { deploy, type DeployResult } from './deploy.js'
import { createDockerClient } from './docker/client.js'
import { createHttpProbe } from './gates/http-probe.js'
import type { Log } from './log.js'
import { renderSummary } from './report/summary.js'
import { realClock } from './rollout/clock.js'

export interface ActionIO {
  log: Log
  setOutput(name: string, value: string): void
  writeSummary(markdown: string): Promise<void>
  setFailed(message: string): void
}

export async function run(): Promise<void> {
  const io: ActionIO = {
    log: actionLog(),
    setOutput: (name, value) => core.setOutput(name, value),
    writeSummary: async (markdown) => {
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write()
    },
    setFailed: (message) => core.setFailed(message)
  }
  const cancel = new AbortController()
  // A cancelled job gets SIGINT, then SIGTERM: treat either as a failed gate, so the target is reverted.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancel.abort())
  await runAction(readInputs((name) => core.getInput(name)), process.env, io, cancel.signal)
}

export async function runAction(inputs: Inputs, env: NodeJS.ProcessEnv, io: ActionIO, signal?: AbortSignal): Promise<DeployResult | undefined> {
  for (const name of SECRET_INPUTS) io.log.setSecret(inputs[name])
  let outcome: DeployResult
  try {
    const config = parseConfig(inputs, env)
    const docker = createDockerClient(config.dockerHost)
    outcome = await deploy(config, { docker, probe: createHttpProbe(), clock: realClock, log: io.log, signal })
  } catch (error) {
    io.setOutput('result', 'failed')
    io.setFailed(error instanceof InputError ? error.message : `${(error as Error).message ?? error}`)
    return undefined
  }
  const reportPath = join(env.RUNNER_TEMP || tmpdir(), `zero-downtime-deploy-${Date.now()}.json`)
  await writeFile(reportPath, JSON.stringify(outcome.report, null, 2))
  io.setOutput('result', outcome.result)
  io.setOutput('report', reportPath)
  if (outcome.image) io.setOutput('image', outcome.image)
  if (outcome.digest) io.setOutput('digest', outcome.digest)
  if (outcome.previousImage) io.setOutput('previous-image', outcome.previousImage)
  await io.writeSummary(renderSummary(outcome.report))
  if (outcome.result === 'rolled-back') io.setFailed(`Rolled back to ${outcome.previousImage}: ${outcome.reason}`)
  else if (outcome.result === 'failed') io.setFailed(outcome.reason ?? 'the deploy failed')
  return outcome
}
