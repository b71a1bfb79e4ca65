// npm run bench: the same steady load through the same proxy while the same 3-replica workload of the
// fixture node app is rolled out, by this project (the built action, dist/index.js) and by Swarm's own
// `docker service update` (stop-first and start-first), for a well-behaved app, the hard cases and a
// broken release; and this project's canary and blue-green on both platforms, for the full matrix. Prints a table (requests, failed, rollout time, floor, gate fail → revert) and, with
// --record, writes it into docs/benchmarks.md with the machine it ran on. Needs the test bed
// (bash test/testbed/up.sh); says so and stops when it is not up.
//   --only <text>   run only the situations whose name contains <text> (e.g. --only "DNS")
//   --rollout <text> run only the rollouts whose label contains <text> (e.g. --rollout "docker service")
//   --parallel <n>  run up to n rows at a time (default 1; each row has its own service, proxy and load)
//   --record        also rewrite the generated part of docs/benchmarks.md
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { promisify } from 'node:util'
import { PROXY_IMAGE, REGISTRY, REPO_ROOT, createCleanup, docker, httpGet, pinImage } from '../test/support/testbed.js'
import { nodeImage } from '../test/support/zero-loss-bed.js'
import { FAST_INPUTS, PRE_STOP_INPUTS, describeTraffic, runScenario, type Rollout, type Scenario } from '../test/support/zero-loss.js'
import { swarmFloorMs, watchDockerHealth } from './floor.js'
import { failureBreakdown, renderTable, type BenchRow } from './table.js'

type Situation = { name: string } & Omit<Scenario, 'rollout' | 'platform'>
const GOOD_PROXY = {}
const HARD_PROXY = { retries: 0 }
const LOAD = { ratePerSec: 150, keepAlive: 'mixed' as const }
const SLOW = { share: 0.25, minMs: 1_000, maxMs: 2_000 }

export const SITUATIONS: Situation[] = [
  { name: 'well-behaved app, good proxy', from: 'v1', to: 'v2', proxy: GOOD_PROXY, load: LOAD },
  { name: 'app exits at once on SIGTERM', from: 'bad-sigterm-v1', to: 'bad-sigterm-v2', proxy: HARD_PROXY, load: LOAD },
  { name: 'requests of 1–2 s in flight', from: 'v1', to: 'v2', proxy: HARD_PROXY, load: { ...LOAD, ratePerSec: 100, slow: SLOW } },
  { name: '1–2 s requests, app exits at once', from: 'bad-sigterm-v1', to: 'bad-sigterm-v2', proxy: HARD_PROXY, load: { ...LOAD, ratePerSec: 100, slow: SLOW } },
  { name: 'proxy DNS lags 5 s', from: 'v1', to: 'v2', proxy: { ...HARD_PROXY, dnsRefreshMs: 5_000 }, load: LOAD },
  { name: 'keep-alive clients and proxy', from: 'v1', to: 'v2', proxy: { ...HARD_PROXY, serverConnections: 'always' }, load: { ...LOAD, keepAlive: true } },
  { name: 'broken release (never healthy)', from: 'v1', to: 'bad-health', proxy: GOOD_PROXY, load: LOAD }
]

interface Contender {
  label: string
  platform: Scenario['platform']
  rollout: Rollout
  inputs?: Record<string, string>
}

function contenders(): Contender[] {
  return [
    { label: 'zdd rolling (swarm)', platform: 'swarm', rollout: { by: 'ours', strategy: 'rolling' } },
    { label: 'zdd rolling + pre-stop (swarm)', platform: 'swarm', rollout: { by: 'ours', strategy: 'rolling' }, inputs: PRE_STOP_INPUTS },
    { label: 'zdd rolling (docker)', platform: 'docker', rollout: { by: 'ours', strategy: 'rolling' } },
    { label: 'docker service update, stop-first', platform: 'swarm', rollout: { by: 'native', order: 'stop-first' } },
    { label: 'docker service update, start-first', platform: 'swarm', rollout: { by: 'native', order: 'start-first' } },
    // The other strategies, gated the same way (canary: one step of 50%, then rolling): on Swarm with and
    // without pre-stop, as rolling; on plain hosts drain does that part.
    ...(['canary', 'blue-green'] as const).flatMap((strategy): Contender[] => [
      { label: `zdd ${strategy} (swarm)`, platform: 'swarm', rollout: { by: 'ours', strategy } },
      { label: `zdd ${strategy} + pre-stop (swarm)`, platform: 'swarm', rollout: { by: 'ours', strategy }, inputs: PRE_STOP_INPUTS },
      { label: `zdd ${strategy} (docker)`, platform: 'docker', rollout: { by: 'ours', strategy } }
    ])
  ]
}

/** Throws a message saying what is missing when the test bed is not up. */
async function checkTestBed(): Promise<void> {
  const info = await docker().info().catch((err: Error) => { throw new Error(`dockerd does not answer (${err.message})`) }) as { Swarm?: { LocalNodeState?: string } }
  if (info.Swarm?.LocalNodeState !== 'active') throw new Error('this dockerd is not in a Swarm')
  const registry = await httpGet(`http://${REGISTRY}/v2/`, 3_000).catch(() => undefined)
  if (registry?.status !== 200) throw new Error(`the registry ${REGISTRY} does not answer`)
  for (const tag of ['v1', 'v2', 'bad-sigterm-v1', 'bad-sigterm-v2', 'bad-health'] as const) {
    await pinImage(nodeImage(tag)).catch(() => { throw new Error(`${nodeImage(tag)} is not in the registry`) })
  }
  await docker().getImage(PROXY_IMAGE).inspect().catch(() => { throw new Error(`the proxy image ${PROXY_IMAGE} is missing`) })
}

async function machine(): Promise<string> {
  const version = (await docker().version()) as { Version?: string; ApiVersion?: string }
  const cli = await promisify(execFile)('docker', ['version', '--format', '{{.Client.Version}}']).then((r) => r.stdout.trim(), () => '?')
  return [
    `- CPUs (nproc): ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? '?'}`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- kernel: ${os.type()} ${os.release()}`,
    `- Docker engine ${version.Version ?? '?'} (API ${version.ApiVersion ?? '?'}), CLI ${cli}; single-node Swarm`,
    `- load average at the start: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (the machine may be shared)`,
    `- Node ${process.version} (bench), action run by node_modules/.bin/node`
  ].join('\n')
}

async function runOne(situation: Situation, contender: Contender): Promise<BenchRow> {
  const cleanup = createCleanup()
  const health = contender.platform === 'docker' ? await watchDockerHealth() : undefined
  try {
    const { name, ...scenario } = situation
    const result = await runScenario(cleanup, {
      ...scenario, platform: contender.platform, rollout: contender.rollout, ...(contender.inputs ? { inputs: contender.inputs } : {})
    })
    const t = result.traffic
    const isOurs = contender.rollout.by === 'ours'
    const successes = Number(FAST_INPUTS['health-successes']) - 1
    const probesMs = isOurs ? successes * parseMs(FAST_INPUTS['health-interval']) : 0
    // No floor for a reverted rollout: its new replicas are gone, and there is no finished rollout to compare.
    const floor = health ? health.floorMs : swarmFloorMs
    const floorMs = !['rolled-back', 'rollback_completed', 'paused'].includes(result.result)
      ? await floor(result.bed.service, nodeImage(situation.to), probesMs).catch((err: Error) => {
        console.error(`  floor: ${err.message}`)
        return undefined
      })
      : undefined
    // The reason (ours: the report's; native: Swarm's update message) says why a rollout did not succeed.
    const why = result.reason ? ` (${result.reason.split('\n')[0].slice(0, 200)})` : ''
    console.error(`  ${situation.name} / ${contender.label}: ${result.result}${why}, ${(result.rolloutMs / 1000).toFixed(1)} s; ${describeTraffic(t)}`)
    return {
      situation: name, rollout: contender.label, requests: t.total, failed: t.failed, rolloutMs: result.rolloutMs, result: result.result,
      breakdown: failureBreakdown(t.statuses, t.errors),
      ...(result.revertDelayMs !== undefined ? { revertDelayMs: result.revertDelayMs } : {}),
      ...(floorMs !== undefined ? { floorMs } : {})
    }
  } catch (err) {
    // One row that could not be measured (the bed did not come up, a rollout hung) does not lose the others.
    const reason = (err as Error).message.split('\n')[0].slice(0, 120)
    console.error(`  ${situation.name} / ${contender.label}: not measured: ${reason}`)
    return { situation: situation.name, rollout: contender.label, requests: 0, failed: 0, rolloutMs: 0, result: `not measured: ${reason}` }
  } finally {
    health?.stop()
    await cleanup.run().catch((err: Error) => console.error(`  cleanup: ${err.message}`))
  }
}

const parseMs = (text: string): number => (text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.slice(0, -1)) * 1000)

async function record(table: string, about: string): Promise<void> {
  const path = `${REPO_ROOT}docs/benchmarks.md`
  const doc = await readFile(path, 'utf8')
  const start = '<!-- bench:start -->'
  const end = '<!-- bench:end -->'
  if (!doc.includes(start) || !doc.includes(end)) throw new Error(`${path} has no ${start} … ${end} section`)
  const body = `${start}\nLatest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, on:\n\n${about}\n\n${table}\n${end}`
  await writeFile(path, doc.slice(0, doc.indexOf(start)) + body + doc.slice(doc.indexOf(end) + end.length))
  console.error(`recorded in ${path}`)
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const option = (name: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] ?? '' : '')
  const only = option('--only')
  const rollouts = option('--rollout')
  try {
    await checkTestBed()
  } catch (err) {
    console.error(`The test bed is not up: ${(err as Error).message}. Start it with \`bash test/testbed/up.sh\` ` +
      '(ZDD_TEST_KEEP_LEFTOVERS=1 bash test/testbed/up.sh where other runs share this Docker daemon), then run npm run bench again.')
    process.exitCode = 2
    return
  }
  const about = await machine()
  console.error(about)
  const parallel = Math.max(1, Number(option('--parallel') || 1) || 1)
  const jobs = SITUATIONS.filter((s) => s.name.includes(only)).flatMap((situation) => contenders()
    .filter((c) => c.label.includes(rollouts)).map((contender) => ({ situation, contender })))
  const rows: BenchRow[] = new Array(jobs.length)
  let next = 0
  // Rows run `parallel` at a time; the table keeps the order of the jobs.
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++
      console.error(`${jobs[i].situation.name} / ${jobs[i].contender.label}: started`)
      rows[i] = await runOne(jobs[i].situation, jobs[i].contender)
    }
  }))
  const table = renderTable(rows)
  console.log(table)
  if (args.includes('--record')) {
    await record(table, `${about}\n- rows run ${parallel} at a time\n- load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}`)
  }
}

await main()
