// The action's glue: inputs → config → deploy → outputs, summary and exit status.
import * as core from '@actions/core'
import { actionLog } from './action-log.js'
import { InputError } from './config/input-error.js'
import { readInputs, type Inputs } from './config/inputs.js'
import type { DeployResult } from './deploy.js'
import type { Log } from './log.js'
import { renderSummary } from './report/summary.js'
import { deployInputs, writeReport } from './run-inputs.js'
import { encodeRunState, IS_POST_KEY, RUN_STATE_KEY, type RunState } from './run-state.js'

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
  core.saveState(IS_POST_KEY, 'true')
  const cancel = new AbortController()
  // A cancelled job gets SIGINT, then SIGTERM: treat either as a failed gate, so the target is reverted.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancel.abort())
  await runAction(readInputs((name) => core.getInput(name)), process.env, io, cancel.signal, (state) => core.saveState(RUN_STATE_KEY, encodeRunState(state)))
}

export async function runAction(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  io: ActionIO,
  signal?: AbortSignal,
  checkpoint?: (state: RunState) => void
): Promise<DeployResult | undefined> {
  let outcome: DeployResult
  try {
    outcome = await deployInputs(inputs, env, io.log, { ...(signal ? { signal } : {}), ...(checkpoint ? { checkpoint } : {}) })
  } catch (error) {
    io.setOutput('result', 'failed')
    io.setFailed(error instanceof InputError ? error.message : `${(error as Error).message ?? error}`)
    return undefined
  }
  const reportPath = await writeReport(outcome.report, env)
  io.setOutput('result', outcome.result)
  io.setOutput('report', reportPath)
  if (outcome.image) io.setOutput('image', outcome.image)
  if (outcome.digest) io.setOutput('digest', outcome.digest)
  if (outcome.previousImage) io.setOutput('previous-image', outcome.previousImage)
  for (const [phase, result] of Object.entries(outcome.report.jobs ?? {})) io.setOutput(phase, result)
  await io.writeSummary(renderSummary(outcome.report))
  if (outcome.result === 'paused') io.log.warning(`The canary is paused: ${outcome.reason}. Run operation promote to go on, or abort.`)
  if (outcome.result === 'rolled-back') io.setFailed(`Rolled back to ${outcome.previousImage}: ${outcome.reason}`)
  else if (outcome.result === 'failed') io.setFailed(outcome.reason ?? 'the deploy failed')
  return outcome
}
