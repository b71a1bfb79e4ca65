// dist/index.js run the way a GitHub runner runs it: a separate Node 24 process, inputs as INPUT_*
// variables, outputs and the job summary written to the files the runner names.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  APP_REPO, AUTH_REGISTRY, REGISTRY_PASSWORD, REGISTRY_USER, createNetwork, createService, removeByLabel, serviceImages, uniqueName
} from '../support/testbed.js'
import { startProxy } from '../support/proxy.js'

jest.setTimeout(240_000)
const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')

interface Run {
  code: number | null
  stdout: string
  outputs: Record<string, string>
  summary: string
}

async function runAction(inputs: Record<string, string>): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'zdd-e2e-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567', GITHUB_WORKSPACE: ROOT,
    GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: dir
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const child = spawn(NODE, [join(ROOT, 'dist/index.js')], { cwd: ROOT, env })
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stdout += chunk))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  return { code, stdout, outputs: parseOutputs(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') }
}

/** The runner's GITHUB_OUTPUT format: `name<<DELIMITER\nvalue\nDELIMITER`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const pattern = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const match of text.matchAll(pattern)) outputs[match[1]] = match[3]
  return outputs
}

afterAll(async () => {
  await removeByLabel()
})

describe('dist/index.js as a runner runs it', () => {
  it('builds from a context, pushes to an authenticated registry and rolls the service out', async () => {
    const service = uniqueName('e2e')
    const network = uniqueName('e2enet')
    await createNetwork(network)
    await createService({ name: service, image: `${APP_REPO}:v1`, replicas: 2, network, endpointMode: 'dnsrr' })
    const proxy = await startProxy({ service, network })
    const version = uniqueName('built')

    const run = await runAction({
      image: `${AUTH_REGISTRY}/zdd-e2e-app`,
      context: 'test/fixtures/app',
      'build-args': `VERSION=${version}\nHEALTH=ok`,
      'registry-username': REGISTRY_USER,
      'registry-password': REGISTRY_PASSWORD,
      service,
      'health-url': `${proxy.url}/health`,
      'health-interval': '500ms',
      'health-successes': '2',
      monitor: '1s'
    })

    // The runner consumes ::add-mask:: commands and never shows them; every other line is printed.
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice(12))
    const printed = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
    expect(masks).toContain(REGISTRY_PASSWORD)
    // The derived X-Registry-Auth header is masked too: it is base64 JSON holding the password.
    const header = masks.find((m) => m !== REGISTRY_PASSWORD && m.length > 40)
    expect(Buffer.from(header ?? '', 'base64').toString()).toContain(REGISTRY_PASSWORD)
    expect(printed).not.toContain(REGISTRY_PASSWORD)
    expect(printed).not.toContain(header)
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('succeeded')
    expect(run.outputs.image).toBe(`${AUTH_REGISTRY}/zdd-e2e-app@${run.outputs.digest}`)
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.outputs['previous-image']).toMatch(new RegExp(`^${APP_REPO.replace(/\./g, '\\.')}:v1@sha256:[0-9a-f]{64}$`))
    expect(run.summary.split('\n')[0]).toBe(`### ✅ Deployed ${service} → \`${run.outputs.image}\``)
    const report = JSON.parse(await readFile(run.outputs.report, 'utf8'))
    expect(report.result).toBe('succeeded')
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual(['batch 1/2', 'batch 2/2'])
    expect(JSON.stringify(report)).not.toContain(REGISTRY_PASSWORD)
    for (const image of await serviceImages(service)) expect(image).toBe(`${AUTH_REGISTRY}/zdd-e2e-app:0123456789ab@${run.outputs.digest}`)
    expect((await (await fetch(`${proxy.url}/version`)).text()).trim()).toBe(version)
    // The build log is folded into a group.
    expect(run.stdout).toMatch(/::group::Build /)
  })

  it('refuses a bad input with one message and a non-zero exit', async () => {
    const run = await runAction({ image: `${APP_REPO}`, service: 'whatever', 'batch-size': '0' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`::error::Invalid input 'batch-size': "0". Expected `)
    expect(run.outputs.result).toBe('failed')
  })
})
