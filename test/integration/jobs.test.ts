// pre-deploy and post-deploy on the local Swarm: one-off replicated-job services cloned from the
// service (env, mounts, networks), run from the new release, followed to their end and removed.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatRelease, RELEASE_LABEL } from '../../src/release/release-ref.js'
import { MemoryLog } from '../../src/log.js'
import { SwarmApi } from '../../src/targets/swarm-api.js'
import { JOB_OF_LABEL, jobSpec } from '../../src/targets/swarm-job.js'
import { lockName, LOCK_OF_LABEL, LOCK_RECORD_LABEL } from '../../src/targets/swarm-lock.js'
import { expectJobsPassed, runDeploy } from '../support/deploy-harness.js'
import { APP_REPO, createCleanup, createNetwork, createService, docker, removeService, serviceTasks, uniqueName } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

let shared: Promise<{ service: string; folder: string }> | undefined
/**
 * A one-replica service of v1 on its own network, with a host folder mounted at /www/data (served as
 * /data/). Made once and used by both tests (CI time): each compares only with what it found.
 */
function bed(): Promise<{ service: string; folder: string }> {
  shared ??= makeBed()
  return shared
}

async function makeBed(): Promise<{ service: string; folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'zdd-jobs-'))
  await chmod(folder, 0o777)
  cleanup.add(() => rm(folder, { recursive: true, force: true }))
  const network = uniqueName('net')
  await createNetwork(network)
  cleanup.network(network)
  const service = uniqueName('jobs')
  cleanup.service(service)
  // A job a failed test may leave: found by the label every job carries.
  cleanup.add(async () => {
    for (const job of await jobsOf(service)) await removeService(job.ID)
  })
  await createService({
    name: service, image: `${APP_REPO}:v1`, replicas: 1, network, endpointMode: 'dnsrr',
    env: ['APP_DB=orders', 'DB_PASSWORD=hunter2-secret'],
    mounts: [{ Type: 'bind', Source: folder, Target: '/www/data' }]
  })
  return { service, folder }
}

async function jobsOf(service: string): Promise<Docker.Service[]> {
  return (await docker().listServices({ filters: JSON.stringify({ label: [`${JOB_OF_LABEL}=${service}`] }) })) as Docker.Service[]
}

async function inspect(service: string): Promise<Docker.Service> {
  return (await docker().getService(service).inspect()) as Docker.Service
}

function container(spec: Docker.ServiceSpec | undefined): Docker.ContainerSpec | undefined {
  return (spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec
}

/** Runs a command in a container and returns what it printed. */
async function execIn(containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker().getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise((resolve) => stream.on('end', resolve))
  // Multiplexed frames: an 8-byte header before each chunk of output.
  const raw = Buffer.concat(chunks)
  const out: Buffer[] = []
  for (let at = 0; at + 8 <= raw.length; at += 8 + raw.readUInt32BE(at + 4)) out.push(raw.subarray(at + 8, at + 8 + raw.readUInt32BE(at + 4)))
  return Buffer.concat(out).toString('utf8')
}

describe('pre-deploy and post-deploy on Swarm', () => {
  it('runs pre-deploy from the new release with the service env and mounts before any replica changes, then post-deploy after success', async () => {
    const { service, folder } = await bed()
    const outcome = await runDeploy({
      image: `${APP_REPO}:v2`, service, env: 'MODE=expanded',
      // The expand step: written by the new image (its version), with the service env and the release's env.
      'pre-deploy': 'echo "migrating $APP_DB"; printf "%s %s %s" "$ZDD_FIXTURE_VERSION" "$APP_DB" "$MODE" > /www/data/schema; echo "password is $DB_PASSWORD"',
      'post-deploy': '["/bin/cp", "/www/data/schema", "/www/data/contracted"]'
    })
    // The log streamed into the report, the value of the secret-looking key masked.
    expectJobsPassed(outcome, `${APP_REPO}:v2`, ['migrating orders', 'password is ***'])

    expect(await readFile(join(folder, 'schema'), 'utf8')).toBe('v2 orders expanded')
    expect(await readFile(join(folder, 'contracted'), 'utf8')).toBe('v2 orders expanded')
    // The new release reads what pre-deploy wrote.
    const tasks = (await serviceTasks(service, 'running')).filter((t) => t.Status?.State === 'running')
    expect(tasks).toHaveLength(1)
    expect(await execIn(tasks[0].Status?.ContainerStatus?.ContainerID ?? '', ['cat', '/www/data/schema'])).toBe('v2 orders expanded')
    const spec = container((await inspect(service)).Spec)
    expect(spec?.Env).toEqual(['APP_DB=orders', 'DB_PASSWORD=hunter2-secret', 'MODE=expanded'])
    expect(spec?.Labels?.[RELEASE_LABEL]).toMatch(/^[0-9a-f]{12}$/)
    expect(await jobsOf(service)).toEqual([])
  })

  it('stops the release on a failing pre-deploy, leaving the service exactly as it was and no job behind', async () => {
    const { service } = await bed()
    const before = await inspect(service)
    // The release it runs: its image and, after the first test's env change, its identity.
    const previous = formatRelease(container(before.Spec)?.Image ?? '', container(before.Spec)?.Labels?.[RELEASE_LABEL])

    // A dry run names the jobs it would run, and runs none.
    const planned = await runDeploy({ image: `${APP_REPO}:v3`, service, 'dry-run': 'true', 'pre-deploy': './migrate up', 'post-deploy': '["./migrate", "contract"]' })
    expect(planned.result).toBe('planned')
    expect(planned.report.jobs).toEqual({ 'pre-deploy': 'skipped', 'post-deploy': 'skipped' })
    expect(planned.log.lines).toContain('  before the first replica: pre-deploy job from the new release: ./migrate up')
    expect(planned.log.lines).toContain('  after success: post-deploy job from the new release: ["./migrate","contract"]')

    const failed = await runDeploy({
      image: `${APP_REPO}:v3`, service, env: 'MODE=contracted',
      // Both lines on one stream: Docker keeps the order within stdout or stderr, not between the two.
      'pre-deploy': 'echo starting >&2; echo "boom: column exists" >&2; exit 3', 'post-deploy': 'echo never'
    })
    expect(failed.result).toBe('failed')
    const job = failed.report.steps[0].job
    expect(failed.reason).toBe(`pre-deploy job ${job?.name} exited with code 3; last log lines: starting | boom: column exists. Nothing was rolled out: ${service} still runs ${previous}`)
    expect(failed.report.steps.map((s) => s.name)).toEqual(['pre-deploy'])
    expect(failed.report.jobs).toEqual({ 'pre-deploy': 'failed', 'post-deploy': 'skipped' })

    // A job left running by a run that died while holding the deploy lock: the next run takes the
    // stale lock over and removes it before its own job.
    const dead = jobSpec(before.Spec ?? {}, service, 'pre-deploy', { kind: 'shell', script: 'sleep 300' }, 'a-run-that-died')
    await docker().createService(undefined as unknown as Docker.AuthConfig, dead)
    const record = { owner: 'a runner that died', token: 'a-run-that-died', at: new Date().toISOString(), expires: new Date(Date.now() - 1000).toISOString() }
    const api = new SwarmApi(docker(), new MemoryLog())
    await api.createConfig(lockName(service), { [LOCK_OF_LABEL]: service, [LOCK_RECORD_LABEL]: JSON.stringify(record) }, 'held by a test\n')
    cleanup.add(async () => {
      const left = await api.findConfig(lockName(service))
      if (left) await api.removeConfig(left.ID)
    })

    // A command that is not in the image: the job cannot start.
    const missing = await runDeploy({ image: `${APP_REPO}:v3`, service, 'pre-deploy': '["/no/such/migrate", "up"]', 'pre-deploy-timeout': '30s' })
    expect(missing.log.lines).toContain(`warning: Removing the pre-deploy job ${dead.Name} of ${service}, left by an interrupted run`)
    expect(missing.result).toBe('failed')
    expect(missing.reason).toMatch(/^pre-deploy job \S+ failed: task (failed|rejected): .*no such file or directory.*; it logged nothing\. Nothing was rolled out/)

    // A job that outlives pre-deploy-timeout is stopped and removed.
    const slow = await runDeploy({ image: `${APP_REPO}:v3`, service, 'pre-deploy': 'echo waiting; sleep 60', 'pre-deploy-timeout': '3s' })
    expect(slow.result).toBe('failed')
    expect(slow.reason).toMatch(/^pre-deploy job \S+ did not finish within 3s \(pre-deploy-timeout\); it was still (running|\S+)/)

    const after = await inspect(service)
    expect(after.Version?.Index).toBe(before.Version?.Index)
    expect(after.Spec).toEqual(before.Spec)
    expect(await jobsOf(service)).toEqual([])
  })
})
