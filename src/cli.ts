#!/usr/bin/env node
// The CLI's entry (bin `zdd`): the same deploy engine as the action, from a terminal. See src/cli/.
import './dirname-shim.js'
import { runCli } from './cli/run.js'

const cancel = new AbortController()
// Ctrl-C (or SIGTERM) fails the running gate, so the service is reverted; a second Ctrl-C exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`zdd: ${signal}: stopping; a rollout in progress is reverted (press Ctrl-C again to quit at once)\n`)
    cancel.abort()
  })
}
process.exitCode = await runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }, cancel.signal)
