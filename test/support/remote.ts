// The test bed's remote ways into its dockerd (made by test/testbed/remote-access.sh, in $ZDD_TEST_REMOTE_DIR): TLS on
// 127.0.0.1:2376 with a client certificate, SSH on 127.0.0.1:2222 with a key, and a relay in front of
// sshd whose connections a test can cut, as a network outage or a dropped session would.
import { readFileSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export const TLS_PORT = Number(process.env.ZDD_TEST_TLS_PORT ?? 2376)
export const SSH_PORT = Number(process.env.ZDD_TEST_SSH_PORT ?? 2222)
/** Same variable and default as test/testbed/env.sh: the passphrase of .testbed/ssh/client_enc_ed25519. */
export const SSH_PASSPHRASE = process.env.ZDD_TEST_SSH_PASSPHRASE ?? 'zdd-test-passphrase-4c1e'

/** Same variable and default as test/testbed/env.sh: where the test bed keeps its certificates and keys. */
export const REMOTE_DIR = process.env.ZDD_TEST_REMOTE_DIR ?? '/var/tmp/zdd-testbed-remote'
const tlsFile = (name: string): string => readFileSync(`${REMOTE_DIR}/tls/${name}.pem`, 'utf8')
/** A file of the test bed's SSH material (keys, known_hosts). */
export const sshFile = (name: string): string => readFileSync(`${REMOTE_DIR}/ssh/${name}`, 'utf8')

/** tls-* inputs for the test bed's TLS listener; `rogue` gives a client certificate from another CA. */
export function tlsInputs(rogue = false): Record<string, string> {
  return {
    'docker-host': `tcp://127.0.0.1:${TLS_PORT}`,
    'tls-ca': tlsFile('ca'),
    'tls-cert': tlsFile(rogue ? 'rogue-client' : 'client'),
    'tls-key': tlsFile(rogue ? 'rogue-client-key' : 'client-key')
  }
}

/** The host's public key as a known_hosts line for 127.0.0.1:port; `wrong` gives another host's key. */
export function knownHostsLine(port: number, wrong = false): string {
  const key = sshFile(wrong ? 'other_host_ed25519.pub' : 'host_ed25519.pub').trim().split(/\s+/).slice(0, 2).join(' ')
  return `[127.0.0.1]:${port} ${key}`
}

/** ssh:// inputs for the test bed's sshd (or a relay in front of it, on `port`). */
export function sshInputs(port = SSH_PORT, wrongHostKey = false): Record<string, string> {
  return {
    'docker-host': `ssh://root@127.0.0.1:${port}`,
    'ssh-private-key': sshFile('client_ed25519'),
    'ssh-known-hosts': knownHostsLine(port, wrongHostKey)
  }
}

export interface Relay {
  port: number
  /** Connections made through the relay so far. */
  connections(): number
  /** Drops every open connection and refuses new ones for `ms`, then accepts again. */
  cut(ms: number): Promise<void>
  /** Holds every byte of the open connections, both ways, for `ms` without closing anything, as a link that goes silent would. */
  stall(ms: number): Promise<void>
  /** The next connection gets the server's first bytes (its greeting), then is closed, half-way into the handshake. */
  breakNextHandshake(): void
  stop(): Promise<void>
}

/** A TCP relay on 127.0.0.1 to `targetPort`. */
export async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>()
  let count = 0
  let breakNext = false
  const serve = (): Server =>
    createServer((client) => {
      count++
      const upstream = connect(targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => s.destroy())
      }
      if (breakNext) {
        breakNext = false
        client.pipe(upstream)
        upstream.once('data', (greeting: Buffer) => {
          client.end(greeting)
          upstream.destroy()
        })
      } else client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  let server = serve()
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const { port } = server.address() as AddressInfo
  const close = async (): Promise<void> => {
    const closed = new Promise((done) => server.close(done))
    for (const s of sockets) s.destroy()
    await closed
  }
  return {
    port,
    connections: () => count,
    cut: async (ms) => {
      await close()
      await new Promise((resume) => setTimeout(resume, ms))
      server = serve()
      await new Promise<void>((ready) => server.listen(port, '127.0.0.1', ready))
    },
    stall: async (ms) => {
      // A paused socket is not read: what the other end sends waits in the kernel, as on a silent link.
      for (const s of sockets) s.pause()
      await new Promise((resume) => setTimeout(resume, ms))
      for (const s of sockets) s.resume()
    },
    breakNextHandshake: () => {
      breakNext = true
    },
    stop: close
  }
}
