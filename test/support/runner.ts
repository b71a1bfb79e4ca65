// dist/index.js run the way a GitHub runner runs it: a separate Node 24 process, inputs as INPUT_*
// variables, outputs, saved state and the job summary in the files the runner names.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './repo-root.js'

export const ROOT = repoRoot(import.meta.dirname)
const NODE = join(ROOT, 'node_modules/.bin/node')

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  outputs: Record<string, string>
  /** What the step saved with core.saveState, as the runner hands it to the post step. */
  state: Record<string, string>
  summary: string
}

export interface StartedRun {
  child: ChildProcess
  /** Resolves once stdout (with stderr) contains `text`. */
  printed(text: string, timeoutMs?: number): Promise<void>
  done: Promise<Run>
}

/** Starts dist/index.js with `inputs` (and `state`, for a post step) in a fresh runner temp folder. */
export async function startAction(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}, state: Record<string, string> = {}): Promise<StartedRun> {
  const dir = await mkdtemp(join(tmpdir(), 'zdd-e2e-'))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), state: join(dir, 'state') }
  for (const file of Object.values(files)) await writeFile(file, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567', GITHUB_WORKSPACE: ROOT,
    GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, GITHUB_STATE: files.state, RUNNER_TEMP: dir,
    ...extraEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value
  const child = spawn(NODE, [join(ROOT, 'dist/index.js')], { cwd: ROOT, env })
  let stdout = ''
  const waiters: Array<{ text: string; resolve: () => void }> = []
  const onData = (chunk: Buffer): void => {
    stdout += chunk
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const done = new Promise<Run>((finish) => {
    child.on('close', async (code, signal) => {
      finish({
        code, signal, stdout,
        outputs: parseFileCommands(await readFile(files.output, 'utf8')),
        state: parseFileCommands(await readFile(files.state, 'utf8')),
        summary: await readFile(files.summary, 'utf8')
      })
    })
  })
  const printed = (text: string, timeoutMs = 120_000): Promise<void> =>
    new Promise((ok, fail) => {
      if (stdout.includes(text)) return ok()
      const timer = setTimeout(() => fail(new Error(`dist/index.js did not print ${JSON.stringify(text)} within ${timeoutMs} ms:\n${stdout}`)), timeoutMs)
      waiters.push({ text, resolve: () => { clearTimeout(timer); ok() } })
    })
  return { child, printed, done }
}

/** Runs dist/index.js to its end. */
export async function runAction(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}, state: Record<string, string> = {}): Promise<Run> {
  return (await startAction(inputs, extraEnv, state)).done
}

/** The runner's file command format (GITHUB_OUTPUT, GITHUB_STATE): `name<<DELIMITER\nvalue\nDELIMITER`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const pattern = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const match of text.matchAll(pattern)) values[match[1]] = match[3]
  return values
}
