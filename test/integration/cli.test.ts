// dist/cli/index.js (the `zdd` bin) run as a real process against the local test bed: a rolling
// update of a 2-replica service, a bad input, and a broken release that is reverted. Only what these
// tests create is removed (createCleanup), so other runs on the same daemon are left alone.
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { APP_REPO, createCleanup, serviceImages, serviceOnOwnNetwork, serviceSpecImage } from '../support/testbed.js'
import { startProxy } from '../support/proxy.js'

jest.setTimeout(180_000)
const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const CLI = join(ROOT, 'dist/cli/index.js')
const FAST = ['--health-interval', '500ms', '--health-successes', '2', '--monitor', '1s']

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

async function zdd(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: await mkdtemp(join(tmpdir(), 'zdd-cli-')), ...extraEnv }
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST
  const child = spawn(NODE, [CLI, ...args], { cwd: ROOT, env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  return { code, stdout, stderr }
}

/** The `label:  value` lines of the result block at the end of stdout. */
function resultBlock(stdout: string): Record<string, string> {
  const block: Record<string, string> = {}
  for (const match of stdout.matchAll(/^(result|reason|image|previous image|report): +(.*)$/gm)) block[match[1]] = match[2]
  return block
}

const cleanup = createCleanup()
afterEach(() => cleanup.run())

async function bed(): Promise<{ service: string; url: string }> {
  const { service, network } = await serviceOnOwnNetwork(cleanup, 'cli', 2)
  const proxy = await startProxy({ service, network })
  cleanup.proxy(proxy)
  return { service, url: proxy.url }
}

describe('zdd (dist/cli/index.js)', () => {
  it('rolls a 2-replica service out to a new release and exits 0', async () => {
    const b = await bed()
    const before = await serviceSpecImage(b.service)
    // health-url from the environment, the rest from the command line.
    const run = await zdd(['deploy', '--image', `${APP_REPO}:v2`, '--service', b.service, ...FAST], { 'INPUT_HEALTH-URL': `${b.url}/health` })

    expect(run.stderr).toBe('')
    // On failure, show what zdd printed: the reason is in it.
    expect(run.code === 0 ? 0 : run.stdout.slice(-4000)).toBe(0)
    const result = resultBlock(run.stdout)
    expect(result.result).toBe('succeeded')
    expect(result['previous image']).toBe(before)
    expect(result.image).toMatch(new RegExp(`^${APP_REPO.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`))
    const digest = result.image.slice(result.image.indexOf('@') + 1)
    const images = await serviceImages(b.service)
    expect(images).toHaveLength(2)
    for (const image of images) expect(image).toBe(`${APP_REPO}:v2@${digest}`)
    expect((await (await fetch(`${b.url}/version`)).text()).trim()).toBe('v2')

    // Groups: a heading line, then an indented body; no workflow commands, no colours off a TTY.
    expect(run.stdout).toMatch(/^▸ Batch 1\/2: .*\n {2,}\S/m)
    expect(run.stdout).toMatch(/^▸ Batch 2\/2: /m)
    expect(run.stdout).not.toContain('::')
    expect(run.stdout).not.toContain('\x1b[')
    const report = JSON.parse(await readFile(result.report, 'utf8'))
    expect(report.result).toBe('succeeded')
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual(['batch 1/2', 'batch 2/2'])
  })

  it('refuses a bad input with the message and exit 3, and an unknown option too', async () => {
    const bad = await zdd(['deploy', '--image', `${APP_REPO}:v2`, '--service', 'whatever', '--batch-size', '0'])
    expect(bad.code).toBe(3)
    expect(bad.stderr).toMatch(/^zdd: Invalid input 'batch-size': "0"\. Expected .+\n$/)

    const unknown = await zdd(['deploy', '--image', `${APP_REPO}:v2`, '--helth-url', 'http://x'])
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toBe(`zdd: Unknown option '--helth-url'. Run 'zdd --help' to see the commands and options.\n`)
    expect(unknown.stdout).toBe('')
  })

  it('reverts a release whose containers crash and exits 2', async () => {
    const b = await bed()
    const before = await serviceSpecImage(b.service)
    const run = await zdd(['deploy', '--image', `${APP_REPO}:crash`, '--service', b.service, '--health-url', `${b.url}/health`, ...FAST])

    expect(run.code).toBe(2)
    const result = resultBlock(run.stdout)
    expect(result.result).toBe('rolled-back')
    expect(result.reason).toMatch(/^Batch 1\/2: /)
    expect(result['previous image']).toBe(before)
    expect(run.stdout).toMatch(/^▸ Revert to /m)
    expect(await serviceSpecImage(b.service)).toBe(before)
    for (const image of await serviceImages(b.service)) expect(image).toBe(before)
  })
})
