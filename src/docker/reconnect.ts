// Riding out a dropped Docker connection (dockerd restarting, an SSH session cut, a network blip):
// every Engine API call goes through docker-modem's dial(), so that is where a lost connection is
// retried with backoff. Only what is safe to repeat is repeated: any request that never reached the
// daemon, and reads whose answer was lost. A write whose answer was lost is not guessed at: its
// error goes to the engine, which fails the step and reverts (through this same retrying client).
import type Docker from 'dockerode'
import type { Clock } from '../rollout/clock.js'
import type { Log } from '../log.js'

/** How long a dropped connection is retried before the call fails. */
export const RECONNECT_BUDGET_MS = 90_000
/** A read that gets no answer in this time is treated as a lost connection (reads only; streams never). */
export const READ_TIMEOUT_MS = 30_000
/** A write that gets no answer in this time fails (it is not sent again). */
export const WRITE_TIMEOUT_MS = 60_000

/** Errors that mean the request never reached the daemon: always safe to send again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL'])
const NOT_SENT_MESSAGE = /timed out while waiting for handshake|connection lost before handshake|not connected|channel open failure|could not start docker system dial-stdio|connect ECONNREFUSED/i
/** Errors that mean the connection broke at some point: the request may or may not have been handled. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_SSL_WRONG_VERSION_NUMBER'])
const BROKEN_MESSAGE = /socket hang up|connection lost|premature close|aborted|ECONNRESET|EPIPE|no response from server|keepalive timeout|\(SSH\)/i

export type DropKind = 'not-sent' | 'broken'

/** How a failed call's error reads as a connection fault; undefined for an answer from the daemon or another error. */
export function connectionFault(error: unknown): DropKind | undefined {
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string } | undefined
  if (!e || typeof e !== 'object') return undefined
  if (typeof e.statusCode === 'number') return undefined // the daemon answered
  const message = e.message ?? ''
  if ((e.code && NOT_SENT.has(e.code)) || NOT_SENT_MESSAGE.test(message)) return 'not-sent'
  if ((e.code && BROKEN.has(e.code)) || BROKEN_MESSAGE.test(message) || e.name === 'TimeoutError') return 'broken'
  return undefined
}

/** Whether a call that failed this way may be sent again. Streams (build contexts, pushes) are never replayed. */
export function mayRetry(kind: DropKind | undefined, method: string, stream: boolean): boolean {
  if (kind === undefined || stream) return false
  return kind === 'not-sent' || method === 'GET' || method === 'HEAD'
}

/** Backoff before attempt n+1 (n from 1): 0.5 s, 1 s, 2 s, 4 s, then 8 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 8000)
}

/** What the run keeps of the drops it rode out, for its report. */
export interface ConnectionDrops {
  count: number
  /** Longest time from the first failure of a call to its success. */
  longestMs: number
}

type DialOptions = Record<string, unknown> & { method?: string; path?: string; options?: Record<string, unknown>; file?: unknown; isStream?: boolean; hijack?: boolean; abortSignal?: AbortSignal }
type DialCallback = (error: unknown, data?: unknown) => void
const WRAPPED = Symbol('zdd.reconnect')

/**
 * Makes `docker` retry calls that lost their connection, logging each retry. Applying it twice is
 * a no-op (the first wrapper's drops object is returned).
 */
export function withReconnect(docker: Docker, log: Log, clock: Clock, budgetMs = RECONNECT_BUDGET_MS): ConnectionDrops {
  const modem = docker.modem as unknown as { dial: (o: DialOptions, cb: DialCallback) => void; [WRAPPED]?: ConnectionDrops }
  const existing = modem[WRAPPED]
  if (existing) return existing
  const drops: ConnectionDrops = { count: 0, longestMs: 0 }
  // Until one call has gone through, a failure is a setting to fix, not a drop to wait out.
  let connected = false
  const dial = modem.dial.bind(modem)
  const once = (options: DialOptions): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // dial() edits its argument (path prefix, authconfig): each attempt gets a fresh copy.
      const copy: DialOptions = { ...options, ...(options.options ? { options: { ...options.options } } : {}) }
      // No call but a stream may hang on a dead link: a read is given up (and retried) after 30 s, a
      // write after 60 s (and not retried: the step fails and reverts).
      if (!copy.isStream && !copy.hijack && !copy.abortSignal) copy.abortSignal = AbortSignal.timeout(copy.method === 'GET' ? READ_TIMEOUT_MS : WRITE_TIMEOUT_MS)
      // Node's HTTP client reports an abort only through the request's socket: a request still
      // waiting for one (a connection that never comes) would never hear it. The call ends anyway.
      const signal = copy.abortSignal
      const giveUp = (): void => reject(signal?.reason ?? new Error('The operation was aborted'))
      if (signal?.aborted) return giveUp()
      signal?.addEventListener('abort', giveUp, { once: true })
      dial(copy, (error, data) => {
        signal?.removeEventListener('abort', giveUp)
        if (error) reject(error)
        else resolve(data)
      })
    })
  modem.dial = (options, callback) => {
    const method = String(options.method ?? 'GET')
    const stream = Boolean(options.isStream || options.hijack || options.file)
    const started = clock.now()
    const attempt = async (n: number): Promise<unknown> => {
      try {
        const data = await once(options)
        connected = true
        if (n > 1) {
          const took = clock.now() - started
          drops.longestMs = Math.max(drops.longestMs, took)
          log.info(`Docker connection back after ${(took / 1000).toFixed(1)}s (${method} ${callPath(options)})`)
        }
        return data
      } catch (error) {
        const kind = connectionFault(error)
        if (!connected || !mayRetry(kind, method, stream)) throw error
        const waited = clock.now() - started
        const delay = retryDelayMs(n)
        if (waited + delay > budgetMs) {
          throw new Error(`Lost the connection to the Docker engine and could not get it back within ${Math.round(budgetMs / 1000)}s (${method} ${callPath(options)}: ${(error as Error).message})`)
        }
        if (n === 1) drops.count++
        log.warning(`Lost the connection to the Docker engine (${(error as Error).message}) during ${method} ${callPath(options)}; retrying in ${delay / 1000}s (attempt ${n + 1})`)
        await clock.sleep(delay)
        return attempt(n + 1)
      }
    }
    attempt(1).then((data) => callback(null, data), (error) => callback(error))
  }
  modem[WRAPPED] = drops
  return drops
}

function callPath(options: DialOptions): string {
  return String(options.path ?? '').replace(/\?$/, '')
}
