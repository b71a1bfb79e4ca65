// When a failed Docker call is sent again: decided from the error alone (tables), and shown on a real
// socket that drops its first connections.
import { describe, expect, it } from '@jest/globals'
import Docker from 'dockerode'
import { Agent, createServer } from 'node:http'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectionFault, mayRetry, retryDelayMs, withReconnect, type DropKind } from '../../src/docker/reconnect.js'
import { MemoryLog } from '../../src/log.js'
import type { Clock } from '../../src/rollout/clock.js'

const err = (fields: Record<string, unknown>): Error => Object.assign(new Error(String(fields.message ?? '')), fields)

describe('connectionFault', () => {
  it.each<[string, unknown, DropKind | undefined]>([
    ['refused', err({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:2376' }), 'not-sent'],
    ['socket missing (dockerd restarting)', err({ code: 'ENOENT', message: 'connect ENOENT /var/run/docker.sock' }), 'not-sent'],
    ['ssh handshake timeout', err({ level: 'client-timeout', message: 'Timed out while waiting for handshake' }), 'not-sent'],
    ['ssh not connected', err({ message: 'Not connected' }), 'not-sent'],
    ['ssh channel could not start dial-stdio', err({ message: 'Could not start docker system dial-stdio over SSH (Unable to exec)' }), 'not-sent'],
    ['ssh connection lost in the handshake', err({ message: 'The SSH connection closed before it was ready (connection lost before handshake completed)' }), 'not-sent'],
    ['reset', err({ code: 'ECONNRESET', message: 'read ECONNRESET' }), 'broken'],
    ['hang up', err({ code: 'ECONNRESET', message: 'socket hang up' }), 'broken'],
    ['read timeout', err({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }), 'broken'],
    ['ssh keepalive', err({ level: 'client-timeout', message: 'Keepalive timeout' }), 'broken'],
    ['an answer from the daemon', err({ statusCode: 500, message: '(HTTP code 500) server error - connection reset by peer' }), undefined],
    ['a 404', err({ statusCode: 404, message: 'no such service' }), undefined],
    ['host key refused', err({ level: 'handshake', message: 'Host denied (verification failed)' }), undefined],
    ['not an object', 'boom', undefined]
  ])('%s', (_name, error, kind) => {
    expect(connectionFault(error)).toBe(kind)
  })
})

describe('mayRetry', () => {
  it.each<[DropKind | undefined, string, boolean, boolean]>([
    ['not-sent', 'POST', false, true],
    ['not-sent', 'GET', false, true],
    ['broken', 'GET', false, true],
    ['broken', 'HEAD', false, true],
    // A write whose answer was lost may have been applied: not guessed at.
    ['broken', 'POST', false, false],
    ['broken', 'DELETE', false, false],
    // A stream (build context, push) cannot be replayed.
    ['not-sent', 'POST', true, false],
    ['broken', 'GET', true, false],
    [undefined, 'GET', false, false]
  ])('%s %s (stream %s): %s', (kind, method, stream, expected) => {
    expect(mayRetry(kind, method, stream)).toBe(expected)
  })
})

it('backs off 0.5 s, 1 s, 2 s, 4 s, then 8 s', () => {
  expect([1, 2, 3, 4, 5, 6, 10].map(retryDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000])
})

/** A clock whose sleeps pass at once but are counted. */
function fastClock(): Clock & { slept: number[] } {
  let now = 0
  const slept: number[] = []
  return { slept, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms } }
}

/** A Docker engine stand-in on a unix socket that drops the first `drops` connections without answering. */
async function droppingEngine(drops: number): Promise<{ docker: Docker; requests: () => number; close: () => void }> {
  let seen = 0
  const server = createServer((req, res) => {
    seen++
    if (seen <= drops + 1 && seen > 1) {
      req.socket.destroy()
      return
    }
    res.setHeader('Content-Type', 'application/json')
    res.end(req.url?.startsWith('/_ping') ? 'OK' : '[]')
  })
  const path = join(await mkdtemp(join(tmpdir(), 'zdd-reconnect-')), 'docker.sock')
  await new Promise<void>((ready) => server.listen(path, ready))
  return { docker: new Docker({ socketPath: path }), requests: () => seen, close: () => server.close() }
}

describe('withReconnect on a real socket', () => {
  it('sends a read again after its connection dropped, and says so', async () => {
    const engine = await droppingEngine(2)
    try {
      const log = new MemoryLog()
      const clock = fastClock()
      const drops = withReconnect(engine.docker, log, clock)
      await engine.docker.ping() // the first call goes through: from now on drops are waited out
      await expect(engine.docker.listServices()).resolves.toEqual([])
      expect(engine.requests()).toBe(4)
      expect(clock.slept).toEqual([500, 1000])
      expect(drops.count).toBe(1)
      expect(log.lines.filter((l) => l.startsWith('warning: Lost the connection'))).toHaveLength(2)
      expect(log.lines.at(-1)).toMatch(/^Docker connection back after 1\.5s \(GET \/services\)$/)
      expect(withReconnect(engine.docker, log, clock)).toBe(drops)
    } finally {
      engine.close()
    }
  })

  it('does not send a write again when its answer was lost', async () => {
    const engine = await droppingEngine(1)
    try {
      const clock = fastClock()
      withReconnect(engine.docker, new MemoryLog(), clock)
      await engine.docker.ping()
      await expect(engine.docker.createNetwork({ Name: 'x' })).rejects.toThrow(/socket hang up|ECONNRESET/)
      expect(engine.requests()).toBe(2)
      expect(clock.slept).toEqual([])
    } finally {
      engine.close()
    }
  })

  it('fails at once when the engine was never reached: a setting to fix, not a drop', async () => {
    const clock = fastClock()
    const docker = new Docker({ socketPath: join(tmpdir(), 'zdd-no-such-socket.sock') })
    withReconnect(docker, new MemoryLog(), clock)
    await expect(docker.ping()).rejects.toThrow(/ENOENT/)
    expect(clock.slept).toEqual([])
  })

  it('ends a call at its time limit even when it never got a socket to send on', async () => {
    // An agent whose connection never comes (a lost SSH handshake did this): Node's HTTP client hears
    // an abort only through a socket, so without withReconnect this call would wait for ever.
    const agent = new Agent()
    ;(agent as unknown as { createConnection: () => undefined }).createConnection = () => undefined
    const docker = new Docker({ socketPath: join(tmpdir(), 'zdd-never.sock'), agent } as Docker.DockerOptions)
    withReconnect(docker, new MemoryLog(), fastClock())
    const started = Date.now()
    // dockerode's ping takes an abort signal; its types do not say so.
    const ping = docker.ping as (opts: { abortSignal?: AbortSignal }) => Promise<unknown>
    await expect(ping.call(docker, { abortSignal: AbortSignal.timeout(200) })).rejects.toThrow('The operation was aborted due to timeout')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('gives up after the budget, naming the call', async () => {
    const engine = await droppingEngine(100)
    try {
      const clock = fastClock()
      withReconnect(engine.docker, new MemoryLog(), clock, 10_000)
      await engine.docker.ping()
      await expect(engine.docker.listServices()).rejects.toThrow(/^Lost the connection to the Docker engine and could not get it back within 10s \(GET \/services: /)
      expect(clock.slept).toEqual([500, 1000, 2000, 4000])
    } finally {
      engine.close()
    }
  })
})
