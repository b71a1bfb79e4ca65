// The SSH transport's sockets (src/docker/ssh-agent.ts) against the test bed's real sshd, directly and
// through a relay that can cut or stall the link: a call made after the connection went away, or
// given up on a silent link, settles (an answer or an error) instead of waiting for ever.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import type { SshHost } from '../../src/config/types.js'
import { createDockerClient } from '../../src/docker/client.js'
import { SSH_PORT, knownHostsLine, sshFile, startRelay, type Relay } from '../support/remote.js'

jest.setTimeout(60_000)

const relays: Relay[] = []
afterAll(async () => {
  for (const relay of relays) await relay.stop()
})

function client(port: number): Docker {
  const host: SshHost = { kind: 'ssh', user: 'root', host: '127.0.0.1', port, privateKey: sshFile('client_ed25519'), knownHosts: knownHostsLine(port) }
  return createDockerClient(host)
}

/** The call's outcome, or 'no answer' once `ms` have passed without one. */
async function within<T>(ms: number, call: Promise<T>): Promise<T | 'no answer' | { error: string }> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)))
  try {
    return await Promise.race([call.catch((error: Error) => ({ error: error.message })), late])
  } finally {
    clearTimeout(timer)
  }
}

// dockerode's ping takes an abort signal; its types do not say so.
const ping = (docker: Docker, signal?: AbortSignal): Promise<string> =>
  (docker.ping as (opts: { abortSignal?: AbortSignal }) => Promise<unknown>).call(docker, signal ? { abortSignal: signal } : {}).then((answer) => String(answer))

describe('SSH channels as HTTP sockets', () => {
  it('answers a call made after the idle connection was closed (its kept-alive socket is not reused)', async () => {
    const docker = client(SSH_PORT)
    expect(await within(10_000, ping(docker))).toBe('OK')
    // Past the idle close (3 s): the connection, and with it the kept-alive channel, is gone.
    await new Promise((resume) => setTimeout(resume, 4000))
    expect(await within(10_000, ping(docker))).toBe('OK')
  })

  it('answers a call made after the connection was cut, once it can connect again', async () => {
    const relay = await startRelay(SSH_PORT)
    relays.push(relay)
    const docker = client(relay.port)
    expect(await within(10_000, ping(docker))).toBe('OK')
    await relay.cut(1000)
    expect(await within(10_000, ping(docker))).toBe('OK')
    expect(relay.connections()).toBe(2)
  })

  it('fails a call whose connection is lost half-way into the SSH handshake, and the next call connects', async () => {
    const relay = await startRelay(SSH_PORT)
    relays.push(relay)
    const docker = client(relay.port)
    relay.breakNextHandshake()
    expect(await within(10_000, ping(docker))).toEqual({ error: 'The SSH connection closed before it was ready (connection lost before handshake completed)' })
    expect(await within(10_000, ping(docker))).toBe('OK')
    expect(relay.connections()).toBe(2)
  })

  it('fails a call given up on a silent link at once, not when the link comes back', async () => {
    const relay = await startRelay(SSH_PORT)
    relays.push(relay)
    const docker = client(relay.port)
    expect(await within(10_000, ping(docker))).toBe('OK')
    const stalled = relay.stall(10_000)
    const started = Date.now()
    const outcome = await within(8000, ping(docker, AbortSignal.timeout(1000)))
    expect(outcome).toEqual({ error: 'The operation was aborted' })
    expect(Date.now() - started).toBeLessThan(3000)
    await stalled
    // Once the link speaks again, so do the calls.
    expect(await within(10_000, ping(docker))).toBe('OK')
  })
})
