// Rollouts through the remote ways into a Docker engine: TLS with a client certificate and SSH with a
// pinned host key, against the test bed's own dockerd (TLS listener) and sshd. Wrong credentials are
// refused before anything changes; a connection cut in the middle of a rollout is ridden out.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { runDeploy } from '../support/deploy-harness.js'
import { startProxy } from '../support/proxy.js'
import { SSH_PORT, TLS_PORT, sshInputs, startRelay, tlsInputs } from '../support/remote.js'
import { APP_REPO, createCleanup, docker, serviceImages, serviceOnOwnNetwork, waitFor } from '../support/testbed.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { ROLLOUT_LABEL } from '../../src/targets/swarm-specs.js'

jest.setTimeout(240_000)

const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function bed(prefix: string, replicas = 2): Promise<{ service: string; url: string }> {
  const { service, network } = await serviceOnOwnNetwork(cleanup, prefix, replicas)
  const proxy = await startProxy({ service, network })
  cleanup.proxy(proxy)
  return { service, url: proxy.url }
}

const inspect = async (name: string): Promise<Docker.Service> => (await docker().getService(name).inspect()) as Docker.Service

async function expectOnRelease(service: string, digest: string | undefined): Promise<void> {
  const images = await serviceImages(service)
  expect(images.length).toBeGreaterThan(0)
  for (const image of images) expect(digestOf(image)).toBe(digest)
}

describe('Docker engine over TLS', () => {
  it('rolls a release out through tcp:// with a client certificate', async () => {
    const b = await bed('tls')
    const outcome = await runDeploy({ ...tlsInputs(), image: `${APP_REPO}:v2`, service: b.service, 'health-url': `${b.url}/health` })
    expect(outcome.result).toBe('succeeded')
    expect(outcome.log.lines).toContain(`Docker host: tcp://127.0.0.1:${TLS_PORT} (TLS, client certificate)`)
    await expectOnRelease(b.service, outcome.digest)
  })

  it('is refused with a client certificate from another CA, and changes nothing', async () => {
    const b = await bed('tls-rogue', 1)
    const before = await inspect(b.service)
    await expect(runDeploy({ ...tlsInputs(true), image: `${APP_REPO}:v2`, service: b.service })).rejects.toThrow(
      new RegExp(`^Cannot reach the Docker engine at tcp://127\\.0\\.0\\.1:${TLS_PORT} \\(TLS, client certificate\\): the engine refused the client certificate: tls-cert must be signed by the CA the engine trusts`)
    )
    expect((await inspect(b.service)).Version?.Index).toBe(before.Version?.Index)
  })
})

describe('Docker engine over SSH', () => {
  it('rolls a release out through ssh:// with the host key checked', async () => {
    const b = await bed('ssh')
    const outcome = await runDeploy({ ...sshInputs(), image: `${APP_REPO}:v2`, service: b.service, 'health-url': `${b.url}/health` })
    expect(outcome.result).toBe('succeeded')
    expect(outcome.log.lines).toContain(`Docker host: ssh://root@127.0.0.1:${SSH_PORT} (host key checked against ssh-known-hosts)`)
    await expectOnRelease(b.service, outcome.digest)
  })

  it('refuses a host whose key is not the one in ssh-known-hosts, and changes nothing', async () => {
    const b = await bed('ssh-hostkey', 1)
    const before = await inspect(b.service)
    await expect(runDeploy({ ...sshInputs(SSH_PORT, true), image: `${APP_REPO}:v2`, service: b.service })).rejects.toThrow(
      `Cannot reach the Docker engine at ssh://root@127.0.0.1:${SSH_PORT} (host key checked against ssh-known-hosts): the host key it presented is not one listed for 127.0.0.1:${SSH_PORT} in ssh-known-hosts. ` +
        'If the host was rebuilt, check its new key out of band and update ssh-known-hosts; otherwise someone may be posing as the host'
    )
    expect((await inspect(b.service)).Version?.Index).toBe(before.Version?.Index)
  })

  it('rides out the SSH connection being cut in the middle of a rollout, and finishes it', async () => {
    const b = await bed('ssh-cut', 2)
    const relay = await startRelay(SSH_PORT)
    cleanup.add(() => relay.stop())
    // The run's own timeout ends it (and says where it was) before Jest would.
    const running = runDeploy({ ...sshInputs(relay.port), image: `${APP_REPO}:v2`, service: b.service, 'health-url': `${b.url}/health`, timeout: '200s' })
    // Once the first batch is under way (our marker on the service), every connection drops for 6 s.
    await waitFor('the first batch', async () => (await inspect(b.service)).Spec?.Labels?.[ROLLOUT_LABEL] === '1/2', { timeoutMs: 60_000 })
    const before = relay.connections()
    await relay.cut(6000)
    const outcome = await running

    // On a failure, the run's last lines come with the assertion.
    expect([outcome.result, outcome.result === 'succeeded' ? [] : outcome.log.lines.slice(-40)]).toEqual(['succeeded', []])
    expect(relay.connections()).toBeGreaterThan(before)
    expect(outcome.log.lines.some((l) => l.startsWith('warning: Lost the connection to the Docker engine'))).toBe(true)
    expect(outcome.log.lines.some((l) => l.startsWith('Docker connection back after'))).toBe(true)
    expect(outcome.report.warnings).toContainEqual(expect.stringMatching(/^The connection to the Docker engine dropped \d+ time\(s\) during the run/))
    await expectOnRelease(b.service, outcome.digest)
    expect((await inspect(b.service)).Spec?.Labels?.[ROLLOUT_LABEL]).toBeUndefined()
  })
})
