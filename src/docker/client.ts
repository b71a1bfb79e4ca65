// The one place that turns a DockerHost into a dockerode client, plus a reader for the daemon's
// newline-delimited JSON progress streams (build, push).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { StringDecoder } from 'node:string_decoder'
import Docker from 'dockerode'
import type { ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2'
import type { DockerHost } from '../config/types.js'
import { sshAgent } from './ssh-agent.js'

/** Connection options that must never come from the environment (see createDockerClient). */
const UNSET = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  username: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined
} as const

export function createDockerClient(host: DockerHost): Docker {
  // docker-modem fills gaps from $DOCKER_HOST / $DOCKER_CERT_PATH: a unix socket chosen explicitly
  // would silently become that TCP host. Every connection field is therefore set, even to undefined.
  switch (host.kind) {
    case 'unix':
      return new Docker({ ...UNSET, socketPath: host.socketPath, protocol: 'http' })
    case 'tcp':
      if (host.tls) {
        const { ca, cert, key } = host.tls
        return new Docker({ ...UNSET, host: host.host, port: host.port, protocol: 'https', ca, cert, key })
      }
      return new Docker({ ...UNSET, host: host.host, port: host.port, protocol: 'http' })
    case 'ssh':
      // Plain HTTP whose sockets are channels of one SSH connection (see ssh-agent.ts).
      return new Docker({
        ...UNSET,
        protocol: 'http',
        host: host.host,
        port: host.port,
        agent: sshAgent({
          host: host.host,
          port: host.port,
          username: host.user,
          privateKey: host.privateKey,
          ...(host.passphrase === undefined ? {} : { passphrase: host.passphrase }),
          // Unset only with ssh-insecure-skip-host-key-check (parseConfig refuses it otherwise).
          ...(host.knownHosts === undefined ? {} : hostKeyCheck(host.host, host.port, host.knownHosts))
        })
      } as Docker.DockerOptions) // docker-modem takes an http.Agent; @types/dockerode does not list it
  }
}

/** A one-line description for logs; never includes keys or certificates. */
export function describeDockerHost(host: DockerHost): string {
  switch (host.kind) {
    case 'unix':
      return `unix://${host.socketPath}`
    case 'tcp':
      return `tcp://${host.host}:${host.port}${host.tls ? ' (TLS, client certificate)' : ''}`
    case 'ssh':
      return `ssh://${host.user}@${host.host}:${host.port}` +
        (host.knownHosts === undefined ? ' (host key NOT checked: ssh-insecure-skip-host-key-check)' : ' (host key checked against ssh-known-hosts)')
  }
}

// ---- SSH host key check against known_hosts lines --------------------------------------------

interface KnownKey { type: string; blob: Buffer }

/** ssh2 options that accept only a host key listed for this host in the known_hosts text. */
export function hostKeyCheck(
  hostname: string,
  port: number,
  knownHosts: string
): Pick<ConnectConfig, 'algorithms' | 'hostVerifier'> {
  const name = knownHostsName(hostname, port)
  const keys = knownKeysFor(hostname, port, knownHosts)
  // Offer only the key types listed, so the server presents one we can compare (as OpenSSH does).
  const serverHostKey = [...new Set(keys.flatMap((k) => hostKeyAlgorithms(k.type)))]
  if (serverHostKey.length === 0) {
    throw new Error(
      `ssh-known-hosts has no usable key for ${name}; add the output of \`ssh-keyscan -p ${port} ${hostname}\``
    )
  }
  return {
    algorithms: { serverHostKey },
    hostVerifier: (key: Buffer): boolean =>
      keys.some((k) => k.blob.length === key.length && timingSafeEqual(k.blob, key))
  }
}

/** The keys listed for host:port, skipping @revoked and @cert-authority lines and comments. */
export function knownKeysFor(hostname: string, port: number, knownHosts: string): KnownKey[] {
  const name = knownHostsName(hostname, port)
  const keys: KnownKey[] = []
  for (const raw of knownHosts.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue
    const [hosts, type, base64] = line.split(/\s+/)
    if (!hosts || !type || !base64) continue
    if (hostsFieldMatches(hosts, name)) keys.push({ type, blob: Buffer.from(base64, 'base64') })
  }
  return keys
}

/** known_hosts writes `host` for port 22 and `[host]:port` otherwise. */
function knownHostsName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`
}

function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedHostMatches(field, name)
  let matched = false
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!')
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

/** `|1|salt|hash` where hash = HMAC-SHA1(salt, name) (HashKnownHosts yes). */
function hashedHostMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|')
  if (!salt || !hash) return false
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest()
  const expected = Buffer.from(hash, 'base64')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${regex}$`, 'i').test(name)
}

const SUPPORTED: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'
]

/** An RSA key in known_hosts is usable with all three RSA signature algorithms; ssh2 lacks sk-* keys. */
function hostKeyAlgorithms(type: string): ServerHostKeyAlgorithm[] {
  const known = SUPPORTED.find((t) => t === type)
  if (known === undefined) return []
  return known === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [known]
}

// ---- progress streams ------------------------------------------------------------------------

/** One message of the daemon's JSON progress stream (build, push, pull). */
export interface ProgressMessage {
  stream?: string
  status?: string
  id?: string
  progress?: string
  error?: string
  errorDetail?: { message?: string }
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number }
}

/**
 * Calls onMessage for each JSON line until the stream ends. Unlike modem.followProgress, this
 * decodes UTF-8 across chunk borders, rejects on a malformed line and on stream errors.
 */
export async function followJsonStream(
  stream: NodeJS.ReadableStream,
  onMessage: (message: ProgressMessage) => void
): Promise<void> {
  const decoder = new StringDecoder('utf8')
  let buffer = ''
  const flush = (text: string): void => {
    const line = text.trim()
    if (line === '') return
    let message: ProgressMessage
    try {
      message = JSON.parse(line) as ProgressMessage
    } catch {
      throw new Error(`Unexpected line in the Docker daemon's progress stream: ${line.slice(0, 200)}`)
    }
    onMessage(message)
  }
  for await (const chunk of stream) {
    buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk)
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      flush(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
    }
  }
  flush(buffer + decoder.end())
}

/** The daemon's own wording of a failed API call, without dockerode's "(HTTP code 500) …" prefix. */
export function daemonMessage(err: unknown): string {
  const e = err as { json?: { message?: string } | null; reason?: string; message?: string }
  if (e && typeof e.json === 'object' && e.json?.message) return e.json.message
  return e instanceof Error ? e.message : String(err)
}
