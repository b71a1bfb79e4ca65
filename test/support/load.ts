// A small bounded HTTP load generator for tests against the test bed (e.g. through startProxy()'s url).
// Every loop is bounded in count (maxRequests) and time (maxMs); every request by timeoutMs. Loopback URLs
// only: a test must never send load anywhere else.

export interface LoadOptions {
  /** Parallel request loops; default 4. */
  concurrency?: number
  /** Pause of each loop between two requests, to hold the rate down on a small machine; default 0. */
  pauseMs?: number
  /** Requests in all, across loops; default 20 000. */
  maxRequests?: number
  /** The load stops by itself after this long; default 120 000 ms. */
  maxMs?: number
  /** Bound of each request (headers and body); default 5 000 ms. */
  timeoutMs?: number
}

export interface LoadResult {
  /** Requests completed (ok + failed). */
  total: number
  /** 2xx and 3xx answers (redirects are not followed). */
  ok: number
  /** Any other status, and network errors and timeouts. */
  failed: number
  /** Answers by HTTP status, e.g. { '200': 812, '500': 401 }. */
  statuses: Record<string, number>
  /** Network errors and timeouts by code (ECONNREFUSED, ECONNRESET, TimeoutError, …) or message. */
  errors: Record<string, number>
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

/** The code of a fetch failure: undici puts the system error in `cause` (ECONNREFUSED, …). */
function errorKey(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return err.name
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? err.message
  }
  return String(err)
}

/** Starts `concurrency` loops of GET `url` at once. */
export function startLoad(url: string, opts: LoadOptions = {}): Load {
  const target = new URL(url)
  if (!LOOPBACK.has(target.hostname)) throw new Error(`startLoad: only loopback URLs, not ${url}`)
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  const maxRequests = Math.max(0, opts.maxRequests ?? 20_000)
  const maxMs = Math.max(0, opts.maxMs ?? 120_000)
  const timeoutMs = opts.timeoutMs ?? 5_000
  const pauseMs = Math.max(0, opts.pauseMs ?? 0)
  const started = Date.now()
  const deadline = started + maxMs
  let ended = started
  let issued = 0
  let stopped = false
  let finished = false
  const result: LoadResult = { total: 0, ok: 0, failed: 0, statuses: {}, errors: {}, durationMs: 0 }
  const snapshot = (): LoadResult => ({
    ...result,
    statuses: { ...result.statuses },
    errors: { ...result.errors },
    durationMs: (finished ? ended : Date.now()) - started
  })

  const loop = async (): Promise<void> => {
    while (!stopped && issued < maxRequests && Date.now() < deadline) {
      issued++
      try {
        const res = await fetch(target, {
          redirect: 'manual',
          cache: 'no-store',
          signal: AbortSignal.timeout(timeoutMs)
        })
        await res.arrayBuffer() // read the body: frees the connection, and its errors count too
        const key = String(res.status)
        result.statuses[key] = (result.statuses[key] ?? 0) + 1
        if (res.status >= 200 && res.status < 400) result.ok++
        else result.failed++
      } catch (err) {
        const key = errorKey(err)
        result.errors[key] = (result.errors[key] ?? 0) + 1
        result.failed++
        // A refused connection fails at once: do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      result.total++
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }

  const done = Promise.all(Array.from({ length: concurrency }, () => loop())).then(() => {
    stopped = true
    finished = true
    ended = Date.now()
    return snapshot()
  })
  return {
    stop: () => {
      stopped = true
      return done
    },
    done,
    snapshot
  }
}
