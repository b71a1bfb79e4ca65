// Inputs (raw strings) → Config (typed, checked). Pure: reads only its arguments, and throws an
// InputError for the first bad input, before anything touches the target.
import { posix } from 'node:path'
import type { BatchSize, Config, DockerHost, HealthGateConfig, ImageRef, Operation, RegistryAuth, TlsFiles } from './types.js'
import type { Inputs } from './inputs.js'
import { InputError } from './input-error.js'
import { parseDuration } from './durations.js'
import { parseStatusRanges } from './status-ranges.js'
import { parseHttpUrl, parseStrategyInputs } from './parse-strategy.js'
import { isValidTag, parseImageRef, registryHost } from '../docker/image-ref.js'

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'

const DOCKER_HOST_FORM = 'unix:///path/to/docker.sock, tcp://host[:port] or ssh://user@host[:port]'
const IMAGE_FORM = 'an image reference such as ghcr.io/owner/app, app:1.0 or 127.0.0.1:5000/app@sha256:<64 hex> (lowercase repository)'
const BOOLEAN_FORM = 'true or false'

export function parseConfig(inputs: Inputs, env: NodeJS.ProcessEnv): Config {
  const dockerHost = parseDockerHost(inputs, env)
  const context = inputs.context.trim() || undefined
  const operation = parseOperation(inputs)
  // Only a deploy needs an image: rollback finds it on the service, promote and abort on the canary.
  const image = operation === 'deploy' || inputs.image.trim() !== '' ? parseImage(inputs, env, context) : undefined
  const tags = parseTags(inputs.tags)
  const dockerfile = parseDockerfile(inputs.dockerfile)
  const buildArgs = parseBuildArgs(inputs['build-args'])
  const push = parseBoolean('push', inputs.push)
  const registryAuth = parseRegistryAuth(inputs, image)
  const service = parseService(inputs.service)
  const strategyConfig = parseStrategyInputs(inputs)
  const batchSize = parseBatchSize(inputs['batch-size'])
  const health = parseHealth(inputs)
  const monitorMs = parseDuration('monitor', inputs.monitor, { allowZero: true })
  const deadlineMs = parseDuration('deadline', inputs.deadline)
  const timeoutMs = parseDuration('timeout', inputs.timeout)
  const preStop = parsePreStop(inputs['pre-stop'])
  const autoRollback = parseBoolean('auto-rollback', inputs['auto-rollback'])
  const lockTimeoutMs = parseDuration('lock-timeout', inputs['lock-timeout'], { allowZero: true })
  const forceUnlock = parseBoolean('force-unlock', inputs['force-unlock'])
  const dryRun = parseBoolean('dry-run', inputs['dry-run'])

  const config: Config = {
    dockerHost, operation, tags, dockerfile, buildArgs, push, batchSize, ...strategyConfig,
    monitorMs, deadlineMs, timeoutMs, autoRollback, lockTimeoutMs, forceUnlock, dryRun
  }
  if (image !== undefined) config.image = image
  if (context !== undefined) config.context = context
  if (registryAuth !== undefined) config.registryAuth = registryAuth
  if (service !== undefined) config.service = service
  if (health !== undefined) config.health = health
  if (preStop !== undefined) config.preStop = preStop
  return config
}

/** A JSON array of strings is the command as is (for images without a shell); other text runs with /bin/sh -c. */
function parsePreStop(value: string): string[] | undefined {
  const text = value.trim()
  if (!text) return undefined
  if (!text.startsWith('[')) return ['/bin/sh', '-c', text]
  let argv: unknown
  try {
    argv = JSON.parse(text)
  } catch {
    argv = undefined
  }
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string' && a !== '')) {
    throw new InputError('pre-stop', value, 'a shell command, or a JSON array of non-empty strings such as ["node", "/app/drain.js"]')
  }
  return argv as string[]
}

// ── where ──────────────────────────────────────────────────────────────────────────────────────

const HOST = '((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])'
const TCP_HOST = new RegExp(`^tcp://${HOST}(?::(\\d{1,5}))?/?$`)
const SSH_HOST = new RegExp(`^ssh://(?:([A-Za-z0-9._][A-Za-z0-9._-]*)@)?${HOST}(?::(\\d{1,5}))?/?$`)

function parseDockerHost(inputs: Inputs, env: NodeJS.ProcessEnv): DockerHost {
  const value = inputs['docker-host'].trim() || env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST
  const scheme = /^([a-z]+):\/\//.exec(value)?.[1]
  if (scheme !== 'unix' && scheme !== 'tcp' && scheme !== 'ssh') throw new InputError('docker-host', value, DOCKER_HOST_FORM)
  const tls = parseTls(inputs)

  // TLS and SSH material only make sense with their scheme; set with another, the docker-host
  // input was most likely forgotten, and we would silently talk to the wrong daemon.
  if (scheme !== 'tcp' && tls !== undefined) {
    const name = inputs['tls-ca'] ? 'tls-ca' : inputs['tls-cert'] ? 'tls-cert' : 'tls-key'
    throw new InputError(name, inputs[name], 'empty unless docker-host is tcp://host[:port]')
  }
  if (scheme !== 'ssh') {
    for (const name of ['ssh-private-key', 'ssh-known-hosts', 'ssh-key-passphrase'] as const) {
      if (inputs[name]) throw new InputError(name, inputs[name], 'empty unless docker-host is ssh://user@host[:port]')
    }
  }

  if (scheme === 'unix') {
    const socketPath = /^unix:\/\/(\/\S*[^/\s])$/.exec(value)?.[1]
    if (socketPath === undefined) throw new InputError('docker-host', value, DOCKER_HOST_FORM)
    return { kind: 'unix', socketPath }
  }
  if (scheme === 'tcp') {
    const match = TCP_HOST.exec(value)
    if (!match) throw new InputError('docker-host', value, DOCKER_HOST_FORM)
    const host = unbracket(match[1])
    return tls ? { kind: 'tcp', host, port: parsePort(value, match[2], 2376), tls } : { kind: 'tcp', host, port: parsePort(value, match[2], 2375) }
  }
  return parseSshHost(inputs, value)
}

function parseSshHost(inputs: Inputs, value: string): DockerHost {
  const match = SSH_HOST.exec(value)
  if (!match) throw new InputError('docker-host', value, DOCKER_HOST_FORM)
  if (match[1] === undefined) throw new InputError('docker-host', value, 'ssh://user@host[:port] (the user is required)')
  const privateKey = pemText(inputs['ssh-private-key'])
  if (!privateKey) {
    throw new InputError('ssh-private-key', '', 'a private key (the contents, not a path): it is required with ssh:// in docker-host')
  }
  if (!/PRIVATE KEY-----|^PuTTY-User-Key-File/.test(privateKey)) {
    throw new InputError('ssh-private-key', inputs['ssh-private-key'], 'the private key contents (-----BEGIN … PRIVATE KEY-----), not a path')
  }
  const port = parsePort(value, match[3], 22)
  const host = unbracket(match[2])
  const knownHosts = pemText(inputs['ssh-known-hosts'])
  const skipCheck = parseBoolean('ssh-insecure-skip-host-key-check', inputs['ssh-insecure-skip-host-key-check'])
  if (!knownHosts && !skipCheck) {
    // Without a pinned key anyone between the runner and the host could pose as it and be given
    // the Docker socket: refuse, and say how to pin it.
    const scan = port === 22 ? `ssh-keyscan ${host}` : `ssh-keyscan -p ${port} ${host}`
    throw new InputError(
      'ssh-known-hosts',
      '',
      `the host's public key in known_hosts form, as \`${scan}\` prints it (check it against the host before trusting it); ` +
        'or set ssh-insecure-skip-host-key-check: true to connect without checking it'
    )
  }
  if (knownHosts && skipCheck) {
    throw new InputError('ssh-insecure-skip-host-key-check', 'true', 'false when ssh-known-hosts is given (the key would be checked anyway)')
  }
  const passphrase = inputs['ssh-key-passphrase']
  if (passphrase && !/ENCRYPTED|^-----BEGIN OPENSSH PRIVATE KEY-----/.test(privateKey)) {
    throw new InputError('ssh-key-passphrase', passphrase, 'empty: ssh-private-key is not encrypted')
  }
  return {
    kind: 'ssh', user: match[1], host, port, privateKey,
    ...(passphrase ? { passphrase } : {}),
    ...(knownHosts ? { knownHosts } : {})
  }
}

function parsePort(value: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const port = Number(text)
  if (port < 1 || port > 65535) throw new InputError('docker-host', value, 'a port from 1 to 65535')
  return port
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host
}

/** tls-ca, tls-cert and tls-key: all three (PEM contents) or none. */
function parseTls(inputs: Inputs): TlsFiles | undefined {
  const names = ['tls-ca', 'tls-cert', 'tls-key'] as const
  if (names.every((name) => !inputs[name])) return undefined
  for (const name of names) {
    if (!inputs[name]) throw new InputError(name, '', 'PEM contents: tls-ca, tls-cert and tls-key are given together or not at all')
    if (!pemText(inputs[name]).startsWith('-----BEGIN ')) throw new InputError(name, inputs[name], 'PEM contents (-----BEGIN …), not a path')
  }
  return { ca: pemText(inputs['tls-ca']), cert: pemText(inputs['tls-cert']), key: pemText(inputs['tls-key']) }
}

/**
 * Pasted keys and certificates: drop `\r` (copied from Windows) and surrounding blank lines, and end
 * with exactly one newline (OpenSSH refuses a key without it). Empty stays empty.
 */
export function pemText(value: string): string {
  const text = value.replace(/\r/g, '').trim()
  return text === '' ? '' : `${text}\n`
}

// ── what ───────────────────────────────────────────────────────────────────────────────────────

function parseImage(inputs: Inputs, env: NodeJS.ProcessEnv, context: string | undefined): ImageRef {
  const value = inputs.image.trim()
  const ref = parseImageRef(value)
  if (ref === undefined) throw new InputError('image', value, IMAGE_FORM)
  // A build makes its own digest; a digest given here could never be what gets pushed.
  if (context !== undefined && ref.digest !== undefined) {
    throw new InputError('image', value, 'a repository with an optional tag but no digest when context is set (the build makes the digest)')
  }
  if (ref.tag === undefined && ref.digest === undefined) {
    const sha = env.GITHUB_SHA?.trim() ?? ''
    if (sha === '') throw new InputError('image', value, 'a tag (image:tag) or a digest, since GITHUB_SHA is not set')
    const tag = sha.slice(0, 12)
    if (!isValidTag(tag)) throw new InputError('image', value, `a tag (image:tag), since GITHUB_SHA (${JSON.stringify(sha)}) is not a commit id`)
    ref.tag = tag
  }
  return ref
}

function parseTags(value: string): string[] {
  const tags: string[] = []
  for (const tag of value.split(/[,\n]/).map((t) => t.trim())) {
    if (tag === '') continue
    if (!isValidTag(tag)) throw new InputError('tags', tag, 'tags separated by commas or new lines, each a letter, digit or _ followed by up to 127 letters, digits, _, . or -')
    if (!tags.includes(tag)) tags.push(tag)
  }
  return tags
}

function parseDockerfile(value: string): string {
  const path = value.trim() || 'Dockerfile'
  const normal = posix.normalize(path)
  // The build sends only the context, so the Dockerfile must be inside it.
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../')) {
    throw new InputError('dockerfile', value, 'a path inside the context, such as Dockerfile or docker/app.Dockerfile')
  }
  return normal
}

const BUILD_ARG_FORM = 'lines of KEY=VALUE, where KEY is a letter or _ followed by letters, digits or _'

function parseBuildArgs(value: string): Record<string, string> {
  const args: Record<string, string> = {}
  for (const raw of value.split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart()
    if (line.trim() === '') continue
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq).trimEnd()
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new InputError('build-args', line, BUILD_ARG_FORM)
    if (Object.hasOwn(args, key)) throw new InputError('build-args', line, `each KEY only once (${key} is repeated)`)
    args[key] = line.slice(eq + 1)
  }
  return args
}

/** Like @actions/core's getBooleanInput, plus yes/no and 1/0, in any case. */
export function parseBoolean(input: string, value: string): boolean {
  const text = value.trim().toLowerCase()
  if (['true', 'yes', '1'].includes(text)) return true
  if (['false', 'no', '0'].includes(text)) return false
  throw new InputError(input, value, BOOLEAN_FORM)
}

function parseRegistryAuth(inputs: Inputs, image: ImageRef | undefined): RegistryAuth | undefined {
  const username = inputs['registry-username'].trim()
  // Passwords and tokens never end in a line break; a pasted one often does.
  const password = inputs['registry-password'].replace(/[\r\n]+$/, '')
  if (username === '' && password === '') return undefined
  if (username === '') throw new InputError('registry-username', '', 'a user name, since registry-password is set')
  if (password === '') throw new InputError('registry-password', '', 'a password or token, since registry-username is set')
  // Without an image (rollback, promote), the release's registry is known only later; Swarm needs only the credentials.
  return { username, password, serveraddress: image ? registryHost(image.repository) : '' }
}

// ── how ────────────────────────────────────────────────────────────────────────────────────────

function parseOperation(inputs: Inputs): Operation {
  const value = inputs.operation.trim()
  if (value !== 'deploy' && value !== 'rollback' && value !== 'promote' && value !== 'abort') {
    throw new InputError('operation', inputs.operation, 'deploy, rollback, promote or abort')
  }
  if (value !== 'deploy') {
    // These act on a service that exists; nothing is built.
    if (!inputs.service.trim()) throw new InputError('service', '', `the name of the Swarm service to ${value}`)
    if (inputs.context.trim()) throw new InputError('context', inputs.context, `empty for operation ${value} (nothing is built)`)
    if (value !== 'rollback' && inputs.image.trim()) throw new InputError('image', inputs.image, `empty for operation ${value} (the canary's own release is used)`)
  }
  return value
}

function parseService(value: string): string | undefined {
  const name = value.trim()
  if (name === '') return undefined
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || name.length > 63) {
    throw new InputError('service', value, 'a Swarm service name: a letter or digit followed by letters, digits, _, . or -, at most 63 characters')
  }
  return name
}

function parseBatchSize(value: string): BatchSize {
  const text = value.trim()
  const match = /^(\d{1,9})(%?)$/.exec(text)
  const n = Number(match?.[1])
  if (match && n >= 1 && (match[2] === '' || n <= 100)) {
    return { kind: match[2] === '%' ? 'percent' : 'count', value: n }
  }
  throw new InputError('batch-size', value, 'a whole number of replicas (1 or more) or a percentage from 1% to 100%')
}

function parseHealth(inputs: Inputs): HealthGateConfig | undefined {
  const statuses = parseStatusRanges('health-status', inputs['health-status'])
  const body = parseRegex('health-body', inputs['health-body'])
  const intervalMs = parseDuration('health-interval', inputs['health-interval'])
  const timeoutMs = parseDuration('health-timeout', inputs['health-timeout'])
  const successes = parseWholeNumber('health-successes', inputs['health-successes'])
  const url = parseHttpUrl('health-url', inputs['health-url'])
  if (url === undefined) {
    // A body check without a URL would silently never run.
    if (body !== undefined) throw new InputError('health-url', '', 'an http:// or https:// URL, since health-body is set')
    return undefined
  }
  const health: HealthGateConfig = { url, statuses, intervalMs, timeoutMs, successes }
  if (body !== undefined) health.body = body
  return health
}

function parseRegex(input: string, value: string): RegExp | undefined {
  if (value === '') return undefined
  try {
    return new RegExp(value)
  } catch (error) {
    const reason = (error as Error).message.replace(`Invalid regular expression: /${value}/: `, '')
    throw new InputError(input, value, `a regular expression (${reason})`)
  }
}

function parseWholeNumber(input: string, value: string): number {
  const text = value.trim()
  if (/^\d{1,9}$/.test(text) && Number(text) >= 1) return Number(text)
  throw new InputError(input, value, 'a whole number, 1 or more')
}
