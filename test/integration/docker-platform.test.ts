// platform docker on the real dockerd: plain containers labelled zdd.service=<service> on a user-defined
// bridge network under a shared alias. The HTTP gate probes each container at its own address (bridge
// addresses are reachable from the host), so these tests need no proxy.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { INPUT_DEFAULTS, type Inputs } from '../../src/config/inputs.js'
import { parseConfig } from '../../src/config/parse-config.js'
import { deploy } from '../../src/deploy.js'
import { createHttpProbe } from '../../src/gates/http-probe.js'
import { MemoryLog } from '../../src/log.js'
import { realClock } from '../../src/rollout/clock.js'
import { DockerApi } from '../../src/targets/docker-api.js'
import { Fleet } from '../../src/targets/docker-fleet.js'
import { DockerLock, lockContainerName, LOCK_OF_LABEL, LOCK_RECORD_LABEL, readLock } from '../../src/targets/docker-lock.js'
import { tarOneFile } from '../../src/targets/tiny-tar.js'
import { viewOf } from '../../src/targets/docker-workload.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { FAST_GATES, runDeploy } from '../support/deploy-harness.js'
import { startDockerRecorder } from '../support/docker-recorder.js'
import { cleanUpPlainContainers, cleanUpPlainService, containersLabelled, createBridgeNetwork, ofService, resolve, runHandMade, waitHealthy, type ContainerFacts } from '../support/plain-host.js'
import { withServer } from '../support/sockets.js'
import { APP_REPO, createCleanup, docker, httpGet, TEST_LABELS, uniqueName } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

// The host part of the URL is replaced by each container's address; port and path are kept.
const HEALTH = { 'health-url': 'http://app/health', drain: '1s', monitor: '1s' }

async function bed(opts: { subnet?: boolean; gateway?: boolean } = {}): Promise<{ service: string; network: string }> {
  const service = uniqueName('plain')
  const network = uniqueName('pnet')
  await createBridgeNetwork(network, opts)
  cleanUpPlainService(cleanup, service, network)
  return { service, network }
}

async function version(c: ContainerFacts): Promise<string> {
  return (await httpGet(`http://${c.ip}/version`, 3000)).body.trim()
}

describe('platform docker: rolling', () => {
  it('makes a first deploy from the inputs: replicas, env and env-file, labels and the alias', async () => {
    const { service, network } = await bed()
    const dir = await mkdtemp(join(tmpdir(), 'zdd-env-'))
    await writeFile(join(dir, 'app.env'), '# from a file\nFROM_FILE=1\nSHARED=file\n')
    const outcome = await runDeploy({
      image: `${APP_REPO}:v1`, service, platform: 'docker', network, replicas: '2',
      env: 'SHARED=input\nGREETING=hello world', 'env-file': join(dir, 'app.env'), ...HEALTH
    })
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.previousImage).toBeUndefined()
    expect(outcome.log.lines).toContain('Current release: none (nothing runs yet: a first deploy)')
    const containers = await ofService(service, network)
    expect(containers.map((c) => [c.state, c.health, digestOf(c.image)])).toEqual([['running', 'healthy', outcome.digest], ['running', 'healthy', outcome.digest]])
    for (const c of containers) {
      expect(c.aliases).toEqual([service])
      expect(c.labels).toMatchObject({ 'zdd.service': service, 'zdd.alias': service, 'zdd.network': network })
      expect(c.labels['zdd.previous-image']).toBeUndefined()
      expect(c.env).toEqual(expect.arrayContaining(['FROM_FILE=1', 'SHARED=input', 'GREETING=hello world']))
      expect(c.info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped')
      expect(await version(c)).toBe('v1')
    }
    // The gate probed each new container at its own address.
    const probes = outcome.report.steps.flatMap((s) => s.probes)
    expect(probes.length).toBeGreaterThan(0)
    expect(probes.at(-1)?.detail).toMatch(new RegExp(`^${containers[0].ip.replace(/\./g, '\\.')}: 200 in \\d+ ms; ${containers[1].ip.replace(/\./g, '\\.')}: 200 in \\d+ ms$`))
  })

  it('rolls v1 to v2 by cloning a hand-made container, then rolls back to the recorded release', async () => {
    const { service, network } = await bed()
    const hand = {
      service, network, env: ['CUSTOM=kept'], labels: { team: 'web' }, extraAliases: ['api-internal'],
      hostConfig: { Memory: 64 * 1024 * 1024, LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } }, Tmpfs: { '/scratch': '' }, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }
    }
    const oldIds = [await runHandMade(hand), await runHandMade(hand)]
    const old = await waitHealthy(service, network, 2)
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service, platform: 'docker', ...HEALTH })

    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(digestOf(outcome.previousImage)).toBe(digestOf((await docker().getImage(`${APP_REPO}:v1`).inspect()).RepoDigests[0]))
    expect(outcome.report.steps.map((s) => [s.name, s.outcome])).toEqual([['batch 1/2', 'passed'], ['batch 2/2', 'passed']])
    const now = await ofService(service, network)
    expect(now).toHaveLength(2)
    expect(now.some((c) => oldIds.includes(c.id))).toBe(false)
    for (const c of now) {
      expect([c.state, digestOf(c.image)]).toEqual(['running', outcome.digest])
      // Cloned: env, labels, aliases, resources, log config, mounts and restart policy; the new image's own env, not the old one's.
      expect(c.env).toEqual(expect.arrayContaining(['CUSTOM=kept', 'ZDD_FIXTURE_VERSION=v2']))
      expect(c.env).not.toContain('ZDD_FIXTURE_VERSION=v1')
      expect(c.labels).toMatchObject({ team: 'web', 'zdd.service': service, 'zdd.previous-image': outcome.previousImage })
      expect(c.aliases.sort()).toEqual(['api-internal', service].sort())
      expect(c.info.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } }, Tmpfs: { '/scratch': '' }, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } })
      expect(c.name.startsWith(`${service}-`)).toBe(true)
      expect(old.map((o) => o.name)).not.toContain(c.name)
      expect(await version(c)).toBe('v2')
    }

    const back = await runDeploy({ operation: 'rollback', image: '', service, platform: 'docker', ...HEALTH })
    expect(back.reason ?? back.result).toBe('succeeded')
    const after = await ofService(service, network)
    expect(after.map((c) => digestOf(c.image))).toEqual([digestOf(outcome.previousImage), digestOf(outcome.previousImage)])
    for (const c of after) expect(await version(c)).toBe('v1')
  })

  it('reverts releases that never get healthy, fail the HTTP gate or crash; the old containers never stopped', async () => {
    const { service, network } = await bed()
    await runHandMade({ service, network })
    await runHandMade({ service, network })
    const before = await waitHealthy(service, network, 2)
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      // Unhealthy once its checks failed 3 times; on a busy machine the checks may time out first.
      ['bad-health', {}, /^Batch 1\/2: (1 replica\(s\) of the new release failed: container \S+ unhealthy|deadline: 0 of 1 replica\(s\) ready on the new release \(1 starting, 2 on the old\))/],
      // Exited, or already started again by its restart policy (cloned: unless-stopped).
      ['crash', {}, /^Batch 1\/2: 1 replica\(s\) of the new release failed: container \S+ ((exited|restarting) \(exit 1|exited and was restarted \d+ time\(s\))/],
      ['bad-gate', { deadline: '15s' }, /^Batch 1\/2: deadline: the health gate had 0 of 2 consecutive successes after 15s; last probe \d+\.\d+\.\d+\.\d+: 404 in \d+ ms/]
    ]
    for (const [tag, extra, reason] of cases) {
      const outcome = await runDeploy({ image: `${APP_REPO}:${tag}`, service, platform: 'docker', ...HEALTH, ...extra })
      expect([tag, outcome.result]).toEqual([tag, 'rolled-back'])
      expect(outcome.reason).toMatch(reason)
      expect(outcome.report.steps.at(-1)).toMatchObject({ name: 'revert', outcome: 'converged' })
      const after = await ofService(service, network)
      expect(after.map((c) => [c.id, c.state, c.aliases, c.info.State.StartedAt])).toEqual(before.map((c) => [c.id, 'running', [service], c.info.State.StartedAt]))
    }
  })

  it('reverts after a batch went into service: the stopped old container is started again, not re-created', async () => {
    const { service, network } = await bed()
    await runHandMade({ service, network })
    await runHandMade({ service, network })
    const before = await waitHealthy(service, network, 2)
    // A metric that says the new release is bad, read once the first batch took the traffic.
    await withServer(async (port) => {
      const outcome = await runDeploy({
        image: `${APP_REPO}:v2`, service, platform: 'docker', ...HEALTH,
        'metrics-url': `http://127.0.0.1:${port}/metrics`, 'success-condition': 'value(zdd_release_bad) < 1', 'analysis-interval': '1s', 'analysis-duration': '2s'
      })
      expect(outcome.result).toBe('rolled-back')
      expect(outcome.reason).toMatch(/^Batch 1\/2: metric analysis failed/)
      expect(outcome.log.lines.some((l) => /^ {2}stopped /.test(l))).toBe(true)
    }, (_req, res) => res.end('# TYPE zdd_release_bad gauge\nzdd_release_bad 1\n'))
    const after = await ofService(service, network)
    expect(after.map((c) => [c.id, c.state, c.aliases])).toEqual(before.map((c) => [c.id, 'running', [service]]))
    // One of the two was stopped by batch 1 and started again: same container, a later start.
    const restarted = after.filter((c, i) => c.info.State.StartedAt !== before[i].info.State.StartedAt)
    expect(restarted).toHaveLength(1)
    expect(restarted[0].ip).toBe(before.find((b) => b.id === restarted[0].id)?.ip)
    for (const c of after) expect(await version(c)).toBe('v1')
  })

  it('lets one of two runs at once go first; the other waits for the deploy lock, then rolls out from there', async () => {
    const { service, network } = await bed()
    await runHandMade({ service, network })
    await waitHealthy(service, network, 1)
    const [a, b] = await Promise.all([
      runDeploy({ image: `${APP_REPO}:v2`, service, platform: 'docker', ...HEALTH }),
      runDeploy({ image: `${APP_REPO}:v3`, service, platform: 'docker', ...HEALTH })
    ])
    expect([a.reason ?? a.result, b.reason ?? b.result]).toEqual(['succeeded', 'succeeded'])
    const waited = [a, b].filter((r) => r.log.lines.some((l) => l.startsWith('Waiting for ') && l.includes(`to finish its rollout of ${service} (locked since `)))
    expect(waited).toHaveLength(1)
    const first = waited[0] === a ? b : a
    // The one that waited saw what the first left, and went second.
    expect(waited[0].previousImage).toBe(`${APP_REPO}:${first === a ? 'v2' : 'v3'}@${first.digest}`)
    expect((await ofService(service, network)).map((c) => digestOf(c.image))).toEqual([waited[0].digest])
    expect([...(await containersLabelled({ 'zdd.lock-of': service }, network)), ...(await containersLabelled({ 'zdd.run-of': service }, network))]).toEqual([])
  })

  it('on a network without a user-configured subnet, says it cannot drain and stops in the best order left', async () => {
    const { service, network } = await bed({ subnet: false })
    // It also publishes a host port, which its replacement cannot bind while it runs.
    await runHandMade({ service, network, hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } })
    const [old] = await waitHealthy(service, network, 1)
    const hostPort = (old.info.NetworkSettings.Ports['80/tcp'] ?? [])[0]?.HostPort
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service, platform: 'docker', ...HEALTH, 'pre-stop': 'rm /www/health' })
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.log.lines).toContain(`warning: Containers of ${service} publish host port(s) ${hostPort}: their replacements are created without them (two containers cannot bind one host port); route to the alias ${service} through a proxy on ${network} instead`)
    expect(Object.values((await ofService(service, network))[0].info.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? [])).toEqual([])
    expect(outcome.log.lines.some((l) => l.startsWith(`warning: Network ${network} cannot keep a container's address when it leaves the alias (user specified IP address is supported only when connecting to networks with user configured subnets)`))).toBe(true)
    const order = outcome.log.lines.filter((l) => /^ {2}(pre-stop in|waiting|stopped)/.test(l)).map((l) => l.trim().split(' ')[0])
    expect(order).toEqual(['pre-stop', 'waiting', 'stopped'])
    expect((await ofService(service, network)).map((c) => digestOf(c.image))).toEqual([outcome.digest])
  })
})

describe('bad input found on a plain host', () => {
  it('is refused with one exact message, and no call that changes anything was made', async () => {
    const recorder = await startDockerRecorder()
    cleanup.add(() => recorder.close())
    const { service, network } = await bed()
    // Containers of the service that are not under the alias the run looks for.
    const other = uniqueName('plain')
    await runHandMade({ service: other, network, alias: 'elsewhere' })
    await waitHealthy(other, network, 1)
    cleanUpPlainContainers(cleanup, other)
    // A service whose only container was stopped by hand.
    const down = uniqueName('plain')
    cleanUpPlainContainers(cleanup, down)
    await docker().getContainer(await runHandMade({ service: down, network })).stop()
    const [stopped] = await ofService(down, network)
    // A service whose container is on Docker's default bridge only (`docker run` without --network).
    const bridged = uniqueName('plain')
    cleanUpPlainContainers(cleanup, bridged)
    await (await docker().createContainer({ Image: `${APP_REPO}:v1`, Labels: { 'zdd.service': bridged, ...TEST_LABELS } })).start()
    const rows: Array<[Partial<Inputs>, string]> = [
      [{ service }, `Invalid input 'service': "${service}". Expected the name of a Swarm service, or of containers labelled zdd.service=${service} on this Docker host; for their first deploy, set network.`],
      [{ service, platform: 'docker' }, `Invalid input 'network': (empty). Expected the user-defined network of ${service}'s alias, since no container is labelled zdd.service=${service} yet.`],
      [{ service, platform: 'docker', network: 'zdd-no-such-network' }, `Invalid input 'network': "zdd-no-such-network". Expected an existing user-defined network (docker network create --subnet <cidr> <name>).`],
      [{ service, platform: 'docker', network, 'env-file': '/nonexistent/app.env' }, `Invalid input 'env-file': "/nonexistent/app.env". Expected a readable file of KEY=VALUE lines (ENOENT).`],
      [{ service, platform: 'docker', network, operation: 'rollback', image: '' }, `Invalid input 'service': "${service}". Expected a service that runs at least one replica (operation rollback needs a release to act on).`],
      [{ service: other, platform: 'docker' }, `Invalid input 'alias': "${other}". Expected an alias the running containers of ${other} have on network ${network} (they have elsewhere).`],
      [{ service: down, platform: 'docker' }, `Invalid input 'service': "${down}". Expected a service with running containers (${stopped.name} is stopped: start it, or remove it for a first deploy from the inputs).`],
      [{ service: bridged, platform: 'docker' }, `Invalid input 'network': (empty). Expected the user-defined network of ${bridged}'s alias, since its containers are on no user-defined network (only bridge): connect them to one under the alias (docker network connect --alias ${bridged} <network> <container>).`]
    ]
    for (const [inputs, message] of rows) {
      recorder.calls.length = 0
      const config = parseConfig({ ...INPUT_DEFAULTS, ...FAST_GATES, image: `${APP_REPO}:v2`, ...inputs }, { GITHUB_SHA: 'f'.repeat(40) })
      const error = await deploy(config, { docker: new Docker({ socketPath: recorder.socketPath }), probe: createHttpProbe(), clock: realClock, log: new MemoryLog() }).then(
        (r) => `no error: ${r.result}`,
        (e: Error) => e.message
      )
      expect(error).toBe(message)
      expect(recorder.changes()).toEqual([])
    }
  })
})

describe('the deploy lock of a plain host', () => {
  it('is held while its holder renews it in the file, and taken over once that expired', async () => {
    const service = uniqueName('plock')
    cleanUpPlainContainers(cleanup, service)
    const api = new DockerApi(docker(), new MemoryLog())
    const record = (token: string, expires: number): string => JSON.stringify({ owner: `run ${token}`, token, at: new Date().toISOString(), expires: new Date(expires).toISOString() })
    // A lock whose label expired long ago, but whose holder renewed it a moment ago (the file).
    const id = await api.create({ name: lockContainerName(service), Image: `${APP_REPO}:v1`, Labels: { [LOCK_OF_LABEL]: service, [LOCK_RECORD_LABEL]: record('a', Date.now() - 60_000) }, HostConfig: { NetworkMode: 'none' } })
    await api.putArchive(id as string, tarOneFile('zdd-lock.json', record('a', Date.now() + 60_000), Date.now() / 1000))
    expect((await readLock(api, lockContainerName(service)))?.record?.owner).toBe('run a')
    const log = new MemoryLog()
    const lock = new DockerLock(api, service, realClock, log, async () => `${APP_REPO}:v1`)
    await expect(lock.acquire({ owner: 'me', timeoutMs: 0, force: false })).rejects.toThrow(new RegExp(`^Service '${service}' is locked by run a since \\S+ \\(another rollout is running\\); waited 0s \\(lock-timeout\\)`))

    // A renewal by someone else than the holder of the label does not count; the label's expiry does.
    await api.putArchive(id as string, tarOneFile('zdd-lock.json', record('b', Date.now() + 60_000), Date.now() / 1000))
    expect(await lock.acquire({ owner: 'me', timeoutMs: 0, force: false })).toBe(true)
    expect(log.lines.filter((l) => l.startsWith('warning: '))).toEqual([expect.stringMatching(new RegExp(`^warning: Taking over the deploy lock of ${service}: it was held by run a since \\S+ and expired at `))])
    expect((await readLock(api, lockContainerName(service)))?.record?.token).toBe(lock.token)
    await lock.release()
    expect(await readLock(api, lockContainerName(service))).toBeUndefined()
  })
})

describe('draining a plain container', () => {
  it('finds out which networks can keep a container\'s address', async () => {
    const log = new MemoryLog()
    const fleet = new Fleet(new DockerApi(docker(), log), { drainMs: 0, deadlineMs: 30_000, clock: realClock, log })
    const kinds: Array<[string, { subnet?: boolean; gateway?: boolean }, boolean]> = [
      ['a subnet', {}, true],
      ['a subnet and a gateway', { gateway: true }, true],
      ['no subnet of its own', { subnet: false }, false]
    ]
    for (const [kind, opts, keeps] of kinds) {
      const { network } = await bed(opts)
      const net = { id: (await docker().getNetwork(network).inspect()).Id as string, name: network }
      expect([kind, await fleet.canKeepAddresses(net, `${APP_REPO}:v1`)]).toEqual([kind, keeps])
      // The throwaway container that asked is gone.
      expect(await docker().listContainers({ all: true, filters: JSON.stringify({ label: ['zdd.probe'], network: [net.id] }) })).toEqual([])
    }
    expect(log.lines.filter((l) => l.startsWith('warning: '))).toHaveLength(1)
  })

  it('takes it out of the alias: DNS no longer returns it, but its address still answers until it stops', async () => {
    const { service, network } = await bed()
    const oldId = await runHandMade({ service, network })
    await runHandMade({ service, network, tag: 'v2' })
    const resolver = await docker().createContainer({ Image: `${APP_REPO}:v1`, Labels: { ...TEST_LABELS, 'zdd.service': `${service}-resolver` }, HostConfig: { NetworkMode: network } })
    cleanup.add(() => resolver.remove({ force: true }))
    await resolver.start()
    const [old, fresh] = await waitHealthy(service, network, 2)
    expect((await resolve(resolver.id, service)).sort()).toEqual([old.ip, fresh.ip].sort())

    const log = new MemoryLog()
    // Long enough for the checks below on a busy machine: the container stops when it is over.
    const fleet = new Fleet(new DockerApi(docker(), log), { drainMs: 10_000, deadlineMs: 30_000, clock: realClock, log })
    const net = { id: (await docker().getNetwork(network).inspect()).Id as string, name: network }
    const view = viewOf((await docker().getContainer(oldId).inspect()) as never, net)
    const retiring = fleet.retire([view], net, service, true)
    // While it drains: out of DNS, same address, still answering.
    const during = await (async () => {
      for (let i = 0; i < 60; i++) {
        const [c] = (await ofService(service, network)).filter((x) => x.id === oldId)
        if (c.aliases.length === 0 && c.ip) return c
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error('the old container never left the alias')
    })()
    expect(during.ip).toBe(old.ip)
    expect(await version(during)).toBe('v1')
    expect(await resolve(resolver.id, service)).toEqual([fresh.ip])
    await retiring
    const [stopped] = (await ofService(service, network)).filter((x) => x.id === oldId)
    expect(stopped.state).toBe('exited')
    expect(log.lines.some((l) => l.startsWith(`  drained ${old.name} (out of the alias, still reachable at ${old.ip}); waiting 10s (drain)`))).toBe(true)
  })
})
