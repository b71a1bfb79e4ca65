// Releases with database changes and feature toggles on a plain Docker host (platform docker): the
// pre-deploy and post-deploy jobs as one-off containers cloned from the service's containers, and
// config-only releases (env/labels, no new image) rolled out and reverted like an image. The HTTP gate
// probes each container at its own address (bridge addresses are reachable from the host).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryLog } from '../../src/log.js'
import { formatRelease, RELEASE_LABEL } from '../../src/release/release-ref.js'
import { createHttpProbe } from '../../src/gates/http-probe.js'
import { realClock } from '../../src/rollout/clock.js'
import type { DockerRunState } from '../../src/run-state.js'
import { DockerApi } from '../../src/targets/docker-api.js'
import { DockerPlatform } from '../../src/targets/docker-platform.js'
import { dockerJobOptions } from '../../src/targets/docker-job.js'
import { lockContainerName, LOCK_OF_LABEL, LOCK_RECORD_LABEL } from '../../src/targets/docker-lock.js'
import { JOB_OF_LABEL } from '../../src/targets/job-labels.js'
import { PREVIOUS_CONFIG_LABEL } from '../../src/targets/release-labels.js'
import { expectJobsPassed, runDeploy } from '../support/deploy-harness.js'
import { cleanUpPlainService, containersLabelled, createBridgeNetwork, ofService, runHandMade, waitHealthy, type ContainerFacts } from '../support/plain-host.js'
import { APP_REPO, createCleanup, docker, httpGet, uniqueName } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

// The host part of the URL is replaced by each container's address; port and path are kept.
const PLAIN = { platform: 'docker', 'health-url': 'http://app/health', drain: '1s', monitor: '1s' }

interface Bed {
  service: string
  network: string
  folder: string
}

/**
 * One container of v1 as a user would start it, on a network of its own, with the database's settings
 * in its env and a host folder mounted at /www/data (served as /data/).
 */
async function makeBed(prefix: string): Promise<Bed> {
  const service = uniqueName(prefix)
  const network = uniqueName('rnet')
  await createBridgeNetwork(network)
  cleanUpPlainService(cleanup, service, network)
  // A job a failed test may leave: found by the label every job carries.
  cleanup.add(async () => {
    for (const job of await containersLabelled({ [JOB_OF_LABEL]: service }, network)) await docker().getContainer(job.id).remove({ force: true })
  })
  const folder = await mkdtemp(join(tmpdir(), 'zdd-plain-jobs-'))
  await chmod(folder, 0o777)
  cleanup.add(() => rm(folder, { recursive: true, force: true }))
  await runHandMade({ service, network, env: ['APP_DB=orders', 'DB_PASSWORD=hunter2-secret'], hostConfig: { Binds: [`${folder}:/www/data`] } })
  await waitHealthy(service, network, 1)
  return { service, network, folder }
}

let jobsBed: Promise<Bed> | undefined
/** Made once for the job tests (CI time): each compares only with what it found. */
const bedForJobs = (): Promise<Bed> => (jobsBed ??= makeBed('pjobs'))

const jobsOf = (bed: Bed): Promise<ContainerFacts[]> => containersLabelled({ [JOB_OF_LABEL]: bed.service }, bed.network)

/** What serves now: each container's ID, state and aliases. */
async function serving(bed: Bed): Promise<Array<[string, string, string[]]>> {
  return (await ofService(bed.service, bed.network)).map((c) => [c.id, c.state, c.aliases])
}

async function get(c: ContainerFacts, path: string): Promise<string> {
  return (await httpGet(`http://${c.ip}${path}`, 3000)).body.trim()
}

describe('platform docker: pre-deploy and post-deploy', () => {
  it('runs pre-deploy from the new release with the service env, network and mounts before any container changes, then post-deploy after success', async () => {
    const bed = await bedForJobs()
    const outcome = await runDeploy({
      ...PLAIN, image: `${APP_REPO}:v2`, service: bed.service, env: 'MODE=expanded',
      // The expand step: written by the new image (its version) with the service env and the release's
      // env; on the service's network it reaches the running release under the alias.
      'pre-deploy': `echo "migrating $APP_DB next to $(wget -q -O - http://${bed.service}/version)"; printf "%s %s %s" "$ZDD_FIXTURE_VERSION" "$APP_DB" "$MODE" > /www/data/schema; echo "password is $DB_PASSWORD"`,
      'post-deploy': '["/bin/cp", "/www/data/schema", "/www/data/contracted"]'
    })
    // Its output, streamed into the log and the report; the secret-looking value masked.
    expectJobsPassed(outcome, `${APP_REPO}:v2`, ['migrating orders next to v1', 'password is ***'])
    expect(outcome.report.steps[2].job?.image).toBe(`${APP_REPO}:v2@${outcome.digest}`)

    expect(await readFile(join(bed.folder, 'schema'), 'utf8')).toBe('v2 orders expanded')
    expect(await readFile(join(bed.folder, 'contracted'), 'utf8')).toBe('v2 orders expanded')
    // The new release reads what pre-deploy wrote.
    const now = await ofService(bed.service, bed.network)
    expect(now.map((c) => [c.state, c.env.includes('MODE=expanded')])).toEqual([['running', true]])
    expect(await get(now[0], '/version')).toBe('v2')
    expect(await get(now[0], '/data/schema')).toBe('v2 orders expanded')
    expect(await jobsOf(bed)).toEqual([])
  })

  it('stops the release on a failing pre-deploy, leaving the same containers serving and no job behind', async () => {
    const bed = await bedForJobs()
    const before = await serving(bed)
    const previous = (await ofService(bed.service, bed.network))[0]
    const release = formatRelease(previous.image, previous.labels[RELEASE_LABEL])

    const failed = await runDeploy({
      ...PLAIN, image: `${APP_REPO}:v3`, service: bed.service, env: 'MODE=contracted',
      // Both lines on one stream: Docker keeps the order within stdout or stderr, not between the two.
      'pre-deploy': 'echo starting >&2; echo "boom: column exists" >&2; exit 3', 'post-deploy': 'echo never'
    })
    expect(failed.result).toBe('failed')
    const job = failed.report.steps[0].job
    expect(failed.reason).toBe(`pre-deploy job ${job?.name} exited with code 3; last log lines: starting | boom: column exists. Nothing was rolled out: ${bed.service} still runs ${release}`)
    expect(failed.report.steps.map((s) => s.name)).toEqual(['pre-deploy'])
    expect(failed.report.jobs).toEqual({ 'pre-deploy': 'failed', 'post-deploy': 'skipped' })

    // A job left running by a run that died while holding the deploy lock: the next run takes the
    // stale lock over and removes it before its own job.
    const api = new DockerApi(docker(), new MemoryLog())
    const { options } = dockerJobOptions({ config: { HostConfig: {} }, network: bed.network, extraNetworks: [] }, {
      service: bed.service, phase: 'pre-deploy', command: { kind: 'shell', script: 'sleep 300' }, runToken: 'a-run-that-died', image: `${APP_REPO}:v1`
    })
    const dead = await api.create(options)
    await api.start(dead as string)
    const record = { owner: 'a runner that died', token: 'a-run-that-died', at: new Date().toISOString(), expires: new Date(Date.now() - 1000).toISOString() }
    await api.create({ name: lockContainerName(bed.service), Image: `${APP_REPO}:v1`, Labels: { [LOCK_OF_LABEL]: bed.service, [LOCK_RECORD_LABEL]: JSON.stringify(record) }, HostConfig: { NetworkMode: 'none' } })

    // A command that is not in the image: the job cannot start.
    const missing = await runDeploy({ ...PLAIN, image: `${APP_REPO}:v3`, service: bed.service, 'pre-deploy': '["/no/such/migrate", "up"]', 'pre-deploy-timeout': '30s' })
    expect(missing.log.lines).toContain(`warning: Removing the pre-deploy job ${options.name} of ${bed.service}, left by an interrupted run`)
    expect(missing.result).toBe('failed')
    expect(missing.reason).toMatch(/^pre-deploy job \S+ failed: Container [0-9a-f]{12} could not be started: .*no such file or directory.*; it logged nothing\. Nothing was rolled out/)

    // A job that outlives pre-deploy-timeout is stopped and removed.
    const slow = await runDeploy({ ...PLAIN, image: `${APP_REPO}:v3`, service: bed.service, 'pre-deploy': 'echo waiting; sleep 60', 'pre-deploy-timeout': '3s' })
    expect(slow.result).toBe('failed')
    expect(slow.reason).toMatch(/^pre-deploy job \S+ did not finish within 3s \(pre-deploy-timeout\); it was still running; last log lines: waiting\. Nothing was rolled out/)
    // Well before the job's own 60 s (a loaded daemon takes seconds to start and remove a container).
    expect(slow.report.steps[0].job?.durationMs).toBeLessThan(30_000)

    expect(await serving(bed)).toEqual(before)
    expect(before.map(([, state, aliases]) => [state, aliases])).toEqual([['running', [bed.service]]])
    expect(await jobsOf(bed)).toEqual([])
  })

  it('reports a failing post-deploy as a warning and keeps the release, which passed its gates', async () => {
    const bed = await bedForJobs()
    const outcome = await runDeploy({ ...PLAIN, image: `${APP_REPO}:v3`, service: bed.service, 'post-deploy': 'echo "contract: table locked" >&2; exit 4' })
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.report.jobs).toEqual({ 'post-deploy': 'failed' })
    const job = outcome.report.steps.at(-1)?.job
    expect(outcome.report.steps.map((s) => `${s.name}: ${s.outcome}`)).toEqual(['batch 1/1: passed', 'post-deploy: failed'])
    expect(outcome.report.warnings).toContain(
      `post-deploy failed: post-deploy job ${job?.name} exited with code 4; last log lines: contract: table locked. ` +
        'The release stays: it passed its gates and is not reverted; fix what post-deploy should have done by hand or in the next release'
    )
    const now = await ofService(bed.service, bed.network)
    expect(now.map((c) => c.state)).toEqual(['running'])
    expect(await get(now[0], '/version')).toBe('v3')
    expect(await jobsOf(bed)).toEqual([])
  })
  it('has the post step of an interrupted run remove the job that run left, and only that one', async () => {
    const bed = await bedForJobs()
    const log = new MemoryLog()
    const platform = new DockerPlatform(docker(), bed.service, { platform: 'docker', drainMs: 1000, plainHost: { replicas: 1 }, deadlineMs: 30_000, clock: realClock, log })
    const jobOf = async (runToken: string): Promise<string> => {
      const { options } = dockerJobOptions({ config: { HostConfig: {} }, network: bed.network, extraNetworks: [] }, {
        service: bed.service, phase: 'post-deploy', command: { kind: 'shell', script: 'sleep 300' }, runToken, image: `${APP_REPO}:v1`
      })
      const id = await platform.api.create(options)
      await platform.api.start(id as string)
      return options.name ?? ''
    }
    const ours = await jobOf('the-interrupted-run')
    const theirs = await jobOf('another-run')
    const now = await ofService(bed.service, bed.network)
    const state: DockerRunState = {
      platform: 'docker', phase: 'started', service: bed.service, previous: now[0].image, release: now[0].image, lockToken: 'the-interrupted-run',
      network: bed.network, alias: bed.service, aliases: [bed.service], containers: now.map((c) => c.id)
    }
    expect(await platform.recoverInterrupted(state, { probe: createHttpProbe(), clock: realClock, log })).toBe('recovered')
    expect(log.lines).toContain(`warning: Removing the post-deploy job ${ours} of ${bed.service}, left by an interrupted run`)
    expect((await jobsOf(bed)).map((c) => c.name)).toEqual([theirs])
    await platform.api.remove(theirs)
    expect(await serving(bed)).toEqual(now.map((c) => [c.id, 'running', [bed.service]]))
  })
})

describe('platform docker: config-only releases', () => {
  it('rolls out a toggle with no new image, then operation rollback takes it back', async () => {
    const bed = await makeBed('ptoggle')
    const [before] = await ofService(bed.service, bed.network)
    const on = await runDeploy({ ...PLAIN, service: bed.service, env: 'FEATURE_CHECKOUT_V2=on\nAPI_TOKEN=tok-123456', labels: 'com.example.toggle=checkout-v2' })
    expect(on.reason ?? on.result).toBe('succeeded')
    expect(on.report.steps.map((s) => s.name)).toEqual(['batch 1/1'])
    expect(on.report.config).toEqual({
      env: { added: [{ key: 'FEATURE_CHECKOUT_V2', value: 'on' }, { key: 'API_TOKEN', value: '***' }], changed: [], removed: [] },
      labels: { added: [{ key: 'com.example.toggle', value: 'checkout-v2' }], changed: [], removed: [] }
    })
    // A new container of the same image with the toggle; the one before is gone.
    const [toggled, ...more] = await ofService(bed.service, bed.network)
    expect(more).toEqual([])
    expect(toggled.id).not.toBe(before.id)
    expect(toggled.imageId).toBe(before.imageId)
    expect(toggled.env).toEqual(expect.arrayContaining(['APP_DB=orders', 'FEATURE_CHECKOUT_V2=on', 'API_TOKEN=tok-123456']))
    expect(toggled.labels['com.example.toggle']).toBe('checkout-v2')
    expect(toggled.labels[RELEASE_LABEL]).toMatch(/^[0-9a-f]{12}$/)
    expect(toggled.labels[PREVIOUS_CONFIG_LABEL]).toBe(JSON.stringify({ env: [{ key: 'FEATURE_CHECKOUT_V2' }, { key: 'API_TOKEN' }], labels: [{ key: 'com.example.toggle' }] }))
    expect([toggled.state, toggled.aliases]).toEqual(['running', [bed.service]])

    const back = await runDeploy({ ...PLAIN, operation: 'rollback', image: '', service: bed.service })
    expect(back.reason ?? back.result).toBe('succeeded')
    const [after, ...rest] = await ofService(bed.service, bed.network)
    expect(rest).toEqual([])
    expect(after.imageId).toBe(before.imageId)
    expect(after.env.filter((e) => !e.startsWith('ZDD_FIXTURE_')).sort()).toEqual(before.env.filter((e) => !e.startsWith('ZDD_FIXTURE_')).sort())
    expect(after.labels['com.example.toggle']).toBeUndefined()
    expect([after.state, after.aliases]).toEqual(['running', [bed.service]])
    expect(await get(after, '/version')).toBe('v1')

    // A toggle that makes the app fail its health check is reverted to the very containers that served.
    const serving = await ofService(bed.service, bed.network)
    const bad = await runDeploy({ ...PLAIN, service: bed.service, env: 'ZDD_FIXTURE_HEALTH=fail', deadline: '8s', 'post-deploy': 'echo never' })
    expect(bad.result).toBe('rolled-back')
    expect(bad.report.steps.map((s) => `${s.name}: ${s.outcome}`)).toEqual(['batch 1/1: failed', 'revert: converged'])
    expect(bad.report.jobs).toEqual({ 'post-deploy': 'skipped' })
    const reverted = await ofService(bed.service, bed.network)
    expect(reverted.map((c) => [c.id, c.state, c.aliases, c.env])).toEqual(serving.map((c) => [c.id, 'running', [bed.service], c.env]))
    expect(await get(reverted[0], '/health')).toBe('ok')
  })
})
