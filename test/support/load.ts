// A small bounded HTTP load generator for tests against the test bed (e.g. through startProxy()'s url).
// Every loop is bounded in count (maxRequests) and time (maxMs); every request by timeoutMs. Loopback URLs
// only: a test must never send load anywhere else. Plain node:http, so that keep-alive is under control:
// keep-alive clients reuse their connections (an http.Agent), the others open one per request.
import http from 'node:http'

export interface LoadOptions {
  /** Parallel request loops; default 4. */
  concurrency?: number
  /** Pause of each loop between two requests, to hold the rate down on a small machine; default 0. */
  pauseMs?: number
  /**
   * A steady rate for all loops together: request i starts no earlier than i / ratePerSec s after the
   * start (a loop busy with a slow request leaves its turn to the others). Default: as fast as the loops go.
   */
  ratePerSec?: number
  /** Requests in all, across loops; default 20 000. */
  maxRequests?: number
  /** The load stops by itself after this long; default 120 000 ms. */
  maxMs?: number
  /** Bound of each request (headers and body); default 5 000 ms. */
  timeoutMs?: number
  /**
   * Keep-alive connections (true, the default), a new connection per request (false, `Connection:
   * close`), or both: loops alternate (even loops keep-alive, odd ones not).
   */
  keepAlive?: boolean | 'mixed'
  /** Path (and query) of request `index` on the url's origin, e.g. a mix of /api and /slow?ms=1500; default: the url's path. */
  path?: (index: number) => string
}

export interface KindCount {
  total: number
  failed: number
}

export interface Failure {
  /** ms since the load started, when the request ended. */
  atMs: number
  kind: string
  /** The HTTP status, or the error code. */
  what: string
}

export interface LoadResult {
  /** Requests completed (ok + failed). */
  total: number
  /** 2xx answers. */
  ok: number
  /** Any other status (redirects are not followed), and connection errors and timeouts. */
  failed: number
  /** Answers by HTTP status, e.g. { '200': 812, '503': 4 }. */
  statuses: Record<string, number>
  /** Connection errors and timeouts by code (ECONNREFUSED, ECONNRESET, timeout, aborted, …). */
  errors: Record<string, number>
  /** Totals by kind of request: `<keep-alive|close> <path without query>`. */
  byKind: Record<string, KindCount>
  /** The first 200 failures, in order. */
  failures: Failure[]
  /** Wall time from start to the end of the last request, in ms. */
  durationMs: number
}

export interface Load {
  /** Stops the loops and resolves once the requests in flight have ended (each bounded by timeoutMs). */
  stop(): Promise<LoadResult>
  /** Resolves when the load ends, by stop() or by its own bounds. */
  done: Promise<LoadResult>
  /** Counts so far (a copy). */
  snapshot(): LoadResult
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])
const MAX_FAILURES_KEPT = 200

type Outcome = { status: number } | { error: string }

/** One GET: its status once the whole body is in, or the error that ended it. */
function get(url: URL, agent: http.Agent | false, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (outcome: Outcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const req = http.get(url, { agent, headers: agent ? {} : { connection: 'close' } }, (res) => {
      res.on('data', () => undefined)
      res.on('end', () => finish({ status: res.statusCode ?? 0 }))
      res.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }))
      res.on('close', () => finish({ error: 'aborted' })) // closed before the end of the body
    })
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }))
    const timer = setTimeout(() => {
      finish({ error: 'timeout' })
      req.destroy()
    }, timeoutMs)
  })
}

/** Starts `concurrency` loops of GET at once. */
export function startLoad(url: string, opts: LoadOptions = {}): Load {
  const target = new URL(url)
  if (!LOOPBACK.has(target.hostname)) throw new Error(`startLoad: only loopback URLs, not ${url}`)
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  const maxRequests = Math.max(0, opts.maxRequests ?? 20_000)
  const maxMs = Math.max(0, opts.maxMs ?? 120_000)
  const timeoutMs = opts.timeoutMs ?? 5_000
  const pauseMs = Math.max(0, opts.pauseMs ?? 0)
  const intervalMs = opts.ratePerSec ? 1000 / opts.ratePerSec : 0
  const keepAliveAgent = new http.Agent({ keepAlive: true })
  const started = Date.now()
  const deadline = started + maxMs
  let ended = started
  let issued = 0
  let stopped = false
  let finished = false
  const result: LoadResult = { total: 0, ok: 0, failed: 0, statuses: {}, errors: {}, byKind: {}, failures: [], durationMs: 0 }
  const snapshot = (): LoadResult => ({
    ...result,
    statuses: { ...result.statuses },
    errors: { ...result.errors },
    byKind: Object.fromEntries(Object.entries(result.byKind).map(([k, v]) => [k, { ...v }])),
    failures: [...result.failures],
    durationMs: (finished ? ended : Date.now()) - started
  })
  let wake: () => void = () => undefined
  const stoppedSignal = new Promise<void>((resolve) => (wake = resolve))
  const sleep = (ms: number): Promise<void> =>
    ms > 0 ? Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms)), stoppedSignal]) : Promise.resolve()

  const loop = async (n: number): Promise<void> => {
    const keepAlive = opts.keepAlive === 'mixed' ? n % 2 === 0 : opts.keepAlive !== false
    while (!stopped && issued < maxRequests && Date.now() < deadline) {
      const index = issued++
      if (intervalMs) {
        await sleep(started + index * intervalMs - Date.now())
        if (stopped || Date.now() >= deadline) break
      }
      const requestUrl = opts.path ? new URL(opts.path(index), target) : target
      const kind = `${keepAlive ? 'keep-alive' : 'close'} ${requestUrl.pathname}`
      const outcome = await get(requestUrl, keepAlive ? keepAliveAgent : false, timeoutMs)
      const count = (result.byKind[kind] ??= { total: 0, failed: 0 })
      count.total++
      result.total++
      const ok = 'status' in outcome && outcome.status >= 200 && outcome.status < 300
      if ('status' in outcome) {
        const key = String(outcome.status)
        result.statuses[key] = (result.statuses[key] ?? 0) + 1
      } else {
        result.errors[outcome.error] = (result.errors[outcome.error] ?? 0) + 1
      }
      if (ok) {
        result.ok++
      } else {
        result.failed++
        count.failed++
        if (result.failures.length < MAX_FAILURES_KEPT) {
          result.failures.push({ atMs: Date.now() - started, kind, what: 'status' in outcome ? String(outcome.status) : outcome.error })
        }
        // A refused connection fails at once: do not spin on it.
        if (!('status' in outcome)) await sleep(5)
      }
      if (pauseMs) await sleep(pauseMs)
    }
  }

  const done = Promise.all(Array.from({ length: concurrency }, (_, n) => loop(n))).then(() => {
    stopped = true
    finished = true
    ended = Date.now()
    keepAliveAgent.destroy()
    return snapshot()
  })
  return {
    stop: () => {
      stopped = true
      wake()
      return done
    },
    done,
    snapshot
  }
}
