// zdd from argv to an exit code: parse the arguments, run the same deploy() the action runs with a
// terminal log, write the JSON report to a temp file and print a short result block.
import { InputError } from '../config/input-error.js'
import type { DeployResult } from '../deploy.js'
import type { Result } from '../report/report.js'
import { deployInputs, writeReport } from '../run-inputs.js'
import { parseArgs } from './args.js'
import { helpText } from './options.js'
import { TerminalLog, useColor, type Style } from './terminal-log.js'

export const EXIT = { ok: 0, failed: 1, rolledBack: 2, badInput: 3, postDeployFailed: 4 } as const

const EXIT_BY_RESULT: Record<Result, number> = { succeeded: EXIT.ok, planned: EXIT.ok, paused: EXIT.ok, failed: EXIT.failed, 'rolled-back': EXIT.rolledBack }
const STYLE_BY_RESULT: Record<Result, Style> = { succeeded: 'good', planned: 'good', paused: 'warning', failed: 'error', 'rolled-back': 'warning' }

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
}

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIO, signal?: AbortSignal): Promise<number> {
  const args = parseArgs(argv, env)
  if (args.kind === 'help') {
    io.stdout.write(`${helpText()}\n`)
    return EXIT.ok
  }
  if (args.kind === 'error') {
    io.stderr.write(`zdd: ${args.message}\n`)
    return EXIT.badInput
  }

  const log = new TerminalLog({
    write: (text) => io.stdout.write(text),
    color: useColor(io.stdout.isTTY, env),
    tty: io.stdout.isTTY === true,
    debug: env.ZDD_DEBUG === '1' || env.RUNNER_DEBUG === '1'
  })
  const fail = (message: string, code: number): number => {
    // Through the log's mask: an error message may quote anything, secrets included.
    io.stderr.write(`zdd: ${log.mask(message)}\n`)
    return code
  }

  let outcome: DeployResult
  try {
    outcome = await deployInputs(args.inputs, env, log, signal ? { signal } : {})
  } catch (error) {
    if (error instanceof InputError) return fail(error.message, EXIT.badInput)
    return fail(`${(error as Error)?.message ?? error}`, EXIT.failed)
  }

  let reportLine: string
  try {
    reportLine = await writeReport(outcome.report, env)
  } catch (error) {
    reportLine = `not written (${(error as Error).message})`
  }

  const rows: Array<[string, string | undefined]> = [
    ['result', outcome.result],
    ['reason', outcome.reason],
    ['image', outcome.image],
    ['previous image', outcome.previousImage],
    ['pre-deploy', outcome.report.jobs?.['pre-deploy']],
    ['post-deploy', outcome.report.jobs?.['post-deploy']],
    ['report', reportLine]
  ]
  log.info('')
  for (const [label, value] of rows) {
    if (value === undefined || value === '') continue
    const shown = label === 'result' ? log.paint(value, STYLE_BY_RESULT[outcome.result]) : value
    log.info(`${`${label}:`.padEnd(16)}${shown}`)
  }
  // The release stays on a failed post-deploy (it passed its gates), but a script should notice.
  if (outcome.result === 'succeeded' && outcome.report.jobs?.['post-deploy'] === 'failed') return EXIT.postDeployFailed
  return EXIT_BY_RESULT[outcome.result]
}
