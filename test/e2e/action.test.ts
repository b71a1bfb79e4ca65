// dist/index.js run the way a GitHub runner runs it (see test/support/runner.ts).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import {
  APP_REPO, AUTH_REGISTRY, REGISTRY_PASSWORD, REGISTRY_USER, createCleanup, serviceImages, serviceOnOwnNetwork, uniqueName
} from '../support/testbed.js'
import { SSH_PASSPHRASE, SSH_PORT, sshFile, sshInputs } from '../support/remote.js'
import { secretParts } from '../../src/log.js'
import { startProxy } from '../support/proxy.js'
import { runAction } from '../support/runner.js'
import { closedPort } from '../support/sockets.js'

jest.setTimeout(240_000)
const GITHUB_TOKEN = 'ghp_e2eNotARealToken0123456789abcdef'

const cleanup = createCleanup()
afterAll(() => cleanup.run())

describe('dist/index.js as a runner runs it', () => {
  it('builds from a context, pushes to an authenticated registry and rolls the service out', async () => {
    const { service, network } = await serviceOnOwnNetwork(cleanup, 'e2e', 2)
    const proxy = await startProxy({ service, network })
    cleanup.proxy(proxy)
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
      monitor: '1s',
      // A Deployment that cannot be recorded (nothing listens at this API) is a warning, and its token a secret.
      'github-token': GITHUB_TOKEN,
      environment: 'e2e'
    }, { GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '5', GITHUB_API_URL: `http://127.0.0.1:${await closedPort()}` })

    // The runner consumes ::add-mask:: commands and never shows them; every other line is printed.
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice(12))
    const printed = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
    expect(masks).toEqual(expect.arrayContaining([REGISTRY_PASSWORD, GITHUB_TOKEN]))
    // The derived X-Registry-Auth header is masked too: it is base64 JSON holding the password.
    const header = masks.find((m) => m !== REGISTRY_PASSWORD && m !== GITHUB_TOKEN && m.length > 40)
    expect(Buffer.from(header ?? '', 'base64').toString()).toContain(REGISTRY_PASSWORD)
    // Every secret and derived value, searched for in everything the run left: log, summary, outputs, report.
    const everything = [printed, run.summary, JSON.stringify(run.outputs), await readFile(run.outputs.report ?? '', 'utf8')].join('\n')
    for (const secret of [REGISTRY_PASSWORD, GITHUB_TOKEN, header ?? 'no header was masked']) expect(everything).not.toContain(secret)
    expect(printed).toContain('::warning::GitHub Deployments: creating the deployment failed')
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('succeeded')
    expect(run.outputs.image).toBe(`${AUTH_REGISTRY}/zdd-e2e-app@${run.outputs.digest}`)
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.outputs['previous-image']).toMatch(new RegExp(`^${APP_REPO.replace(/\./g, '\\.')}:v1@sha256:[0-9a-f]{64}$`))
    expect(run.summary.split('\n')[0]).toBe(`### ✅ Deployed ${service} → \`${run.outputs.image}\``)
    // The summary is rendered from this run's report: the plan, then a timeline row per batch.
    expect(run.summary).toContain(`<details><summary>Plan</summary>\n\n\`\`\`\nRolling update of ${service}: 2 replica(s) in 2 batch(es) of up to 1\n`)
    expect(run.summary).toContain('| Step | Started | Took | Replicas | Health probes | Outcome |')
    expect(run.summary).toMatch(/^\| batch 1\/2 \| \d\d:\d\d:\d\d \| [\d.]+s \| 1\/2 ready[^|]* \| \d+\/\d+ ok, slowest \d+ ms \| passed \|$/m)
    const report = JSON.parse(await readFile(run.outputs.report, 'utf8'))
    expect(report.result).toBe('succeeded')
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual(['batch 1/2', 'batch 2/2'])
    expect(JSON.stringify(report)).not.toContain(REGISTRY_PASSWORD)
    for (const image of await serviceImages(service)) expect(image).toBe(`${AUTH_REGISTRY}/zdd-e2e-app:0123456789ab@${run.outputs.digest}`)
    expect((await (await fetch(`${proxy.url}/version`)).text()).trim()).toBe(version)
    // The build log is folded into a group.
    expect(run.stdout).toMatch(/::group::Build /)
  })

  it('rolls out through ssh:// with an encrypted key, and prints neither the key nor its passphrase', async () => {
    const { service, network } = await serviceOnOwnNetwork(cleanup, 'e2e-ssh', 2)
    const proxy = await startProxy({ service, network })
    cleanup.proxy(proxy)
    const key = sshFile('client_enc_ed25519')
    const run = await runAction({
      ...sshInputs(),
      'ssh-private-key': key,
      'ssh-key-passphrase': SSH_PASSPHRASE,
      image: `${APP_REPO}:v2`,
      service,
      'health-url': `${proxy.url}/health`,
      'health-interval': '500ms',
      'health-successes': '2',
      monitor: '1s'
    })
    // On a failure, the run's errors come with the assertion.
    expect([run.outputs.result, run.stdout.split('\n').filter((l) => l.startsWith('::error::'))]).toEqual(['succeeded', []])
    expect(run.code).toBe(0)
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice(12))
    const printed = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
    // The whole key goes out as one mask (with %0A for its line breaks), and each of its lines as another.
    expect(masks).toEqual(expect.arrayContaining([SSH_PASSPHRASE, key.trim().replace(/\n/g, '%0A'), ...secretParts(key).slice(1)]))
    const everything = [printed, run.summary, JSON.stringify(run.outputs), await readFile(run.outputs.report ?? '', 'utf8')].join('\n')
    for (const secret of [SSH_PASSPHRASE, ...secretParts(key)]) expect(everything).not.toContain(secret)
    expect(printed).toContain(`Docker host: ssh://root@127.0.0.1:${SSH_PORT} (host key checked against ssh-known-hosts)`)
    // The service keeps the tag for people beside the digest (repo:v2@sha256:…); the output is repo@sha256:….
    for (const image of await serviceImages(service)) expect(image).toBe(`${APP_REPO}:v2@${run.outputs.digest}`)
  })

  it('runs under act: no GitHub token needed, Deployments skipped with a notice', async () => {
    // The variables act sets in a job (no GITHUB_TOKEN, no real run id).
    const actEnv = { ACT: 'true', GITHUB_REPOSITORY: 'your-org/app', GITHUB_RUN_ID: '1', GITHUB_API_URL: 'http://127.0.0.1:9/api' }
    const run = await runAction({ image: `${APP_REPO}:v2`, environment: 'production', 'github-token': 'act-has-no-token' }, actEnv)
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('succeeded')
    expect(run.stdout).toContain('GitHub Deployments are skipped under act (ACT=true); set github-deployments: true to create them anyway')
    expect(run.stdout).not.toContain('::warning::')
  })

  it('refuses a bad input with one message and a non-zero exit', async () => {
    const run = await runAction({ image: `${APP_REPO}`, service: 'whatever', 'batch-size': '0' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`::error::Invalid input 'batch-size': "0". Expected `)
    expect(run.outputs.result).toBe('failed')
  })
})
