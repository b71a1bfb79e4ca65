// The test bed's Prometheus (started by up.sh): instant queries (promQuery, promValue) and the file_sd
// scrape targets of its `zdd-test` job (addScrapeTarget, waitForScrapeTarget, removeScrapeTarget).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT, httpGet, waitFor } from './testbed.js'

/** The test bed's Prometheus (started by up.sh): scrape interval 1 s, job `zdd-test` fed by file_sd. */
export const PROMETHEUS_URL = (process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090').replace(/\/+$/, '')

export interface PromSample {
  metric: Record<string, string>
  /** The sample value (NaN and ±Inf as numbers). */
  value: number
}

/** Prometheus's sample values are strings: "1.5", "NaN", "+Inf", "-Inf". */
const promNumber = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v))

/** Instant query (GET /api/v1/query) of the test bed's Prometheus; a scalar comes back as one sample. */
export async function promQuery(expr: string, timeoutMs = 5_000): Promise<PromSample[]> {
  const res = await httpGet(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(expr)}`, timeoutMs)
  let body: { status?: string; error?: string; data?: { resultType: string; result: unknown } } = {}
  try {
    body = JSON.parse(res.body) as typeof body
  } catch {
    // not JSON: reported below with the start of the body
  }
  if (res.status !== 200 || body.status !== 'success' || !body.data) {
    throw new Error(`Prometheus query ${expr}: HTTP ${res.status} ${body.error ?? res.body.slice(0, 200)}`)
  }
  const { resultType, result } = body.data
  if (resultType === 'scalar') return [{ metric: {}, value: promNumber((result as [number, string])[1]) }]
  if (resultType !== 'vector') throw new Error(`Prometheus query ${expr}: result type ${resultType}, not a vector`)
  return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
    metric: r.metric,
    value: promNumber(r.value[1])
  }))
}

/** The value of a query that gives at most one sample (e.g. `sum(…)`); undefined when it gives none. */
export async function promValue(expr: string, timeoutMs = 5_000): Promise<number | undefined> {
  const samples = await promQuery(expr, timeoutMs)
  if (samples.length > 1) throw new Error(`Prometheus query ${expr}: ${samples.length} samples, expected at most 1`)
  return samples[0]?.value
}

let targetsDir: Promise<string> | undefined
/**
 * The folder the test bed's Prometheus reads its `zdd-test` targets from (file_sd `<dir>/*.json`): taken
 * from the running Prometheus's config (so that one started by another checkout works too), else
 * <repo>/.testbed/prometheus/targets.
 */
export function prometheusTargetsDir(): Promise<string> {
  targetsDir ??= (async () => {
    const fallback = join(REPO_ROOT, '.testbed', 'prometheus', 'targets')
    try {
      const res = await httpGet(`${PROMETHEUS_URL}/api/v1/status/config`, 3_000)
      const yaml = (JSON.parse(res.body) as { data?: { yaml?: string } }).data?.yaml ?? ''
      const job = yaml.slice(yaml.indexOf('job_name: zdd-test'))
      const m = /files:\s*\n\s*-\s*['"]?(\/\S+?)\/\*\.json/.exec(job)
      return m?.[1] ?? fallback
    } catch {
      return fallback
    }
  })()
  return targetsDir
}

const targetFileName = (name: string): string => `${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}.json`

/**
 * Registers `address` (host:port, scraped at /metrics) as a target of the `zdd-test` job, with `labels`,
 * by writing <targets dir>/<name>.json; then (unless `wait` is false) waits until Prometheus reports it
 * up, see waitForScrapeTarget. Remove it with removeScrapeTarget(name).
 */
export async function addScrapeTarget(
  name: string,
  address: string,
  labels: Record<string, string> = {},
  { wait = true, timeoutMs = 20_000 }: { wait?: boolean; timeoutMs?: number } = {}
): Promise<void> {
  const dir = await prometheusTargetsDir()
  await mkdir(dir, { recursive: true })
  const file = join(dir, targetFileName(name))
  // Written aside then renamed: Prometheus must never read a half-written file (the glob is *.json).
  await writeFile(`${file}.tmp`, JSON.stringify([{ targets: [address], labels }]) + '\n')
  await rename(`${file}.tmp`, file)
  if (wait) await waitForScrapeTarget(address, labels, timeoutMs)
}

/**
 * Waits until Prometheus has scraped `address` successfully: `min(up{job="zdd-test",instance="<address>",
 * <labels>}) == 1`. A new target takes ~5 s: Prometheus 2.42 passes discovered targets on to its scrape
 * loops at most every 5 s (a fixed throttle, no flag), whatever the file_sd refresh_interval.
 */
export async function waitForScrapeTarget(
  address: string,
  labels: Record<string, string> = {},
  timeoutMs = 20_000
): Promise<void> {
  const matchers = Object.entries({ job: 'zdd-test', instance: address, ...labels })
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')
  await waitFor(
    `Prometheus (${PROMETHEUS_URL}) to scrape ${address} (up{${matchers}} == 1)`,
    async () => (await promValue(`min(up{${matchers}})`)) === 1,
    { timeoutMs, intervalMs: 250 }
  )
}

/** Removes the target file written by addScrapeTarget (no error if it is gone). */
export async function removeScrapeTarget(name: string): Promise<void> {
  await rm(join(await prometheusTargetsDir(), targetFileName(name)), { force: true })
}
