// One zero-loss scenario: a 3-replica workload of the fixture node app behind the test proxy, a steady
// bounded load on loopback through it, and one rollout while the load runs, either this project's (the
// built action, dist/index.js, as a runner runs it) or Swarm's own (`docker service update`). Shared by
// test/integration/zero-loss.test.ts and the benchmark (bench/run.ts).
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import type Docker from 'dockerode'
import { startLoad, type LoadResult } from './load.js'
import type { ProxyConfigOptions } from './proxy.js'
import { runAction } from './runner.js'
import { docker, sleep, type Cleanup } from './testbed.js'
import { nodeImage, startBed, type Bed, type NodeTag, type Platform } from './zero-loss-bed.js'

const run = promisify(execFile)

export type Strategy = 'rolling' | 'canary' | 'blue-green'
export type Rollout = { by: 'ours'; strategy: Strategy } | { by: 'native'; order: 'start-first' | 'stop-first' }

export interface LoadShape {
  /** Requests per second, all clients together. */
  ratePerSec: number
  keepAlive: boolean | 'mixed'
  /** A share (0..1) of the requests go to /slow?ms=<between minMs and maxMs>; the others to /api. */
  slow?: { share: number; minMs: number; maxMs: number }
}

export interface Scenario {
  platform: Platform
  rollout: Rollout
  from: NodeTag
  to: NodeTag
  /** Default 3. */
  replicas?: number
  stopGracePeriodMs?: number
  proxy: ProxyConfigOptions
  load: LoadShape
  /** At least this many requests are measured (default 2 000); the load keeps going after the rollout until then. */
  minRequests?: number
  /** Extra inputs for our rollout. */
  inputs?: Record<string, string>
}

export interface ScenarioResult {
  traffic: LoadResult
  /** From the start of the rollout command to the end of the rollout. */
  rolloutMs: number
  /** Ours: the action's result output; native: Swarm's final UpdateStatus.State. */
  result: string
  reason?: string
  /** From the failing gate (ours: the failed step's end; native: the first failed new task) to the revert's start. */
  revertDelayMs?: number
  /** Ours: the action's log, for a failure message. */
  log?: string
  bed: Bed
}

// Fast gates, as in the other integration tests: the fixture's health check runs every second.
export const FAST_INPUTS: Record<string, string> = {
  'health-interval': '500ms', 'health-timeout': '5s', 'health-successes': '2', monitor: '2s', deadline: '40s', timeout: '5m',
  'canary-steps': '50%', 'scale-down-delay': '3s'
}
/** The fixture's pre-stop: /health answers 503 from then on, so the proxy's health check lets the replica go. */
export const PRE_STOP_INPUTS: Record<string, string> = { 'pre-stop': JSON.stringify(['/usr/bin/node', '/app/ctl.js', 'drain']) }
// Swarm's own updater, as close to that as its flags go (one task at a time, no delay, watched 2 s).
const NATIVE_FLAGS = ['--update-parallelism', '1', '--update-delay', '0s', '--update-monitor', '2s']
const LEAD_MS = 1_000
const MAX_ROLLOUT_MS = 240_000

/** Runs the scenario; everything it creates is removed by `cleanup`. */
export async function runScenario(cleanup: Cleanup, s: Scenario): Promise<ScenarioResult> {
  const replicas = s.replicas ?? 3
  const bed = await startBed(cleanup, {
    platform: s.platform, from: s.from, replicas, proxy: s.proxy,
    ...(s.stopGracePeriodMs !== undefined ? { stopGracePeriodMs: s.stopGracePeriodMs } : {})
  })
  const minRequests = s.minRequests ?? 2_000
  const slow = s.load.slow
  const load = startLoad(`${bed.proxy.url}/api`, {
    ratePerSec: s.load.ratePerSec,
    keepAlive: s.load.keepAlive,
    // Enough loops that slow requests never hold the rate down.
    concurrency: Math.ceil(s.load.ratePerSec * (slow ? slow.share * (slow.maxMs / 1000) + 0.1 : 0.1)) + 8,
    maxRequests: Math.max(minRequests * 4, 20_000),
    maxMs: MAX_ROLLOUT_MS + 60_000,
    timeoutMs: 10_000,
    ...(slow ? { path: slowMix(slow) } : {})
  })
  try {
    await sleep(LEAD_MS)
    const rollout = s.rollout.by === 'ours' ? await runOurs(bed, s, s.rollout.strategy) : await runNative(bed, s, s.rollout.order)
    // Long enough after the rollout for a lagging proxy to have caught up, and for the minimum count.
    const tailUntil = Date.now() + (s.proxy.dnsRefreshMs ?? 1_000) + 3_000
    while ((Date.now() < tailUntil || load.snapshot().total < minRequests) && Date.now() < tailUntil + 60_000) await sleep(100)
    return { ...rollout, traffic: await load.stop(), bed }
  } finally {
    await load.stop()
  }
}

/** /slow?ms=… for a share of the requests (spread evenly), /api for the others. */
function slowMix(slow: NonNullable<LoadShape['slow']>): (index: number) => string {
  const every = Math.max(1, Math.round(1 / slow.share))
  return (index) =>
    index % every === 0 ? `/slow?ms=${slow.minMs + ((index * 7919) % (slow.maxMs - slow.minMs + 1))}` : '/api'
}

type Outcome = Omit<ScenarioResult, 'traffic' | 'bed'>

async function runOurs(bed: Bed, s: Scenario, strategy: Strategy): Promise<Outcome> {
  const started = Date.now()
  const action = await runAction({
    ...FAST_INPUTS,
    // drain longer than the proxy's view of DNS lags (1 s, or the scenario's dnsRefreshMs), as the docs say.
    ...(bed.platform === 'docker' ? { platform: 'docker', drain: `${(s.proxy.dnsRefreshMs ?? 1_000) + 2_000}ms` } : {}),
    image: nodeImage(s.to),
    service: bed.service,
    strategy,
    // Swarm: through the proxy (tasks on an overlay network are not reachable from the host); docker: the
    // gate probes each container at its own address, on the port of this URL (the app's, 80).
    'health-url': bed.platform === 'docker' ? `http://${bed.service}/health` : `${bed.proxy.url}/health`,
    ...s.inputs
  })
  const rolloutMs = Date.now() - started
  const result = action.outputs.result ?? `exit ${action.code}`
  const outcome: Outcome = { rolloutMs, result, log: action.stdout }
  if (!action.outputs.report) return outcome
  const report = JSON.parse(await readFile(action.outputs.report, 'utf8')) as {
    reason?: string
    steps: Array<{ name: string; startedAt: string; endedAt?: string; outcome?: string }>
  }
  if (report.reason) outcome.reason = report.reason
  const failed = report.steps.find((step) => step.outcome === 'failed')
  const revert = report.steps.find((step) => step.name === 'revert')
  if (failed?.endedAt && revert) outcome.revertDelayMs = Date.parse(revert.startedAt) - Date.parse(failed.endedAt)
  return outcome
}

interface SwarmTask {
  CreatedAt?: string
  Spec?: { ContainerSpec?: { Image?: string } }
  Status?: { State?: string; Timestamp?: string }
  ServiceID?: string
}

/** `docker service update` of the service to `s.to`, then polled until Swarm's updater is done. */
async function runNative(bed: Bed, s: Scenario, order: 'start-first' | 'stop-first'): Promise<Outcome> {
  if (bed.platform !== 'swarm') throw new Error('a native update is a Swarm service update')
  const failureAction = s.to === 'bad-health' ? 'rollback' : 'pause'
  const started = Date.now()
  await run('docker', ['service', 'update', '-d', '-q', '--image', nodeImage(s.to), '--update-order', order, ...NATIVE_FLAGS,
    '--update-failure-action', failureAction, bed.service], { timeout: 60_000 })
  const service = docker().getService(bed.service)
  const id = ((await service.inspect()) as Docker.Service).ID
  let firstFailure: number | undefined
  let rollbackSeen: number | undefined
  for (;;) {
    const info = (await service.inspect()) as Docker.Service
    const state = info.UpdateStatus?.State ?? ''
    if (state.startsWith('rollback') && rollbackSeen === undefined) rollbackSeen = Date.now()
    if (firstFailure === undefined) {
      const tasks = ((await docker().listTasks({ filters: JSON.stringify({ service: [id] }) })) as SwarmTask[])
        .filter((t) => t.ServiceID === id && t.Spec?.ContainerSpec?.Image?.includes(`:${s.to}@`))
      // A task whose health check never passes ends `complete` (Swarm stopped it), not `failed`.
      const failed = tasks.filter((t) => ['failed', 'rejected', 'complete', 'orphaned'].includes(t.Status?.State ?? '')).map((t) => Date.parse(t.Status?.Timestamp ?? ''))
      if (failed.length) firstFailure = Math.min(...failed)
    }
    if (['completed', 'paused', 'rollback_completed', 'rollback_paused'].includes(state)) {
      return {
        rolloutMs: Date.now() - started,
        result: state,
        ...(info.UpdateStatus?.Message ? { reason: info.UpdateStatus.Message } : {}),
        ...(firstFailure !== undefined && rollbackSeen !== undefined ? { revertDelayMs: rollbackSeen - firstFailure } : {})
      }
    }
    if (Date.now() - started > MAX_ROLLOUT_MS) throw new Error(`native update of ${bed.service} not done after ${MAX_ROLLOUT_MS} ms (state ${state})`)
    await sleep(200)
  }
}

/** One line for a log or a failed expectation: counts, breakdown by status/error and kind, first failures. */
export function describeTraffic(t: LoadResult): string {
  const kinds = Object.entries(t.byKind).map(([k, v]) => `${k} ${v.failed}/${v.total}`).join(', ')
  const first = t.failures.slice(0, 8).map((f) => `${(f.atMs / 1000).toFixed(1)}s ${f.kind} ${f.what}`).join('; ')
  return `${t.failed} failed of ${t.total} in ${(t.durationMs / 1000).toFixed(1)}s; statuses ${JSON.stringify(t.statuses)}; ` +
    `errors ${JSON.stringify(t.errors)}; by kind: ${kinds}${first ? `; first failures: ${first}` : ''}`
}
