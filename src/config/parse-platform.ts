// The platform inputs: which kind of target (auto, swarm, docker) and, for plain Docker hosts, how
// replicas are taken out of service (drain, pre-stop) and what a first deploy creates (network, alias,
// replicas, env-file; the env input applies on top, as to any release). Pure like parse-config.ts: the
// first bad input throws an InputError.
import { parseDuration } from './durations.js'
import { ENV_LINES_FORM, EnvLineError, parseEnvLines, type EnvLine } from './env-lines.js'
import { InputError } from './input-error.js'
import type { Inputs } from './inputs.js'

export type PlatformChoice = 'auto' | 'swarm' | 'docker'

/** platform docker: what the first containers are made of when none exists yet, and where they live. */
export interface PlainHostConfig {
  /** The user-defined network the service's alias lives on; read from the containers once they exist. */
  network?: string
  /** The shared network alias (default: the service name). */
  alias?: string
  replicas: number
  /** Path of a file of KEY=VALUE lines, read when the first containers are created. */
  envFile?: string
}

export interface PlatformConfig {
  platform: PlatformChoice
  /** How long a replica taken out of routing keeps serving before it is stopped. */
  drainMs: number
  /** Run in each old replica after its drain, before it is stopped (exec form). */
  preStop?: string[]
  plainHost: PlainHostConfig
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
const NETWORK_FORM = 'the name of a user-defined network: a letter or digit followed by letters, digits, _, . or -'
// -preview and -canary are appended to the alias; a DNS label is at most 63 characters.
const ALIAS_MAX = 55
const ALIAS_FORM = `a network alias: a letter or digit followed by letters, digits, _, . or -, at most ${ALIAS_MAX} characters (so that -preview and -canary still fit a DNS name)`
export const PRE_STOP_FORM = 'a shell command (run with /bin/sh -c), or a JSON array of strings such as ["/app/drain", "--wait=5"]'

export function parsePlatformInputs(inputs: Inputs): PlatformConfig {
  const platform = parsePlatform(inputs.platform)
  const drainMs = parseDuration('drain', inputs.drain, { allowZero: true })
  const preStop = parsePreStop(inputs['pre-stop'])
  const plainHost = parsePlainHost(inputs)
  const config: PlatformConfig = { platform, drainMs, plainHost }
  if (preStop) config.preStop = preStop
  if (platform === 'swarm') checkSwarmInputs(plainHost)
  return config
}

function parsePlatform(value: string): PlatformChoice {
  const text = value.trim()
  if (text === 'auto' || text === 'swarm' || text === 'docker') return text
  throw new InputError('platform', value, 'auto, swarm or docker')
}

export function parsePreStop(value: string): string[] | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (!text.startsWith('[')) return ['/bin/sh', '-c', text]
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InputError('pre-stop', value, PRE_STOP_FORM)
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string' && p !== '')) {
    throw new InputError('pre-stop', value, PRE_STOP_FORM)
  }
  return parsed as string[]
}

function parsePlainHost(inputs: Inputs): PlainHostConfig {
  const network = inputs.network.trim()
  if (network !== '') {
    if (!NAME.test(network)) throw new InputError('network', inputs.network, NETWORK_FORM)
    // Docker's DNS answers aliases only on user-defined networks.
    if (['bridge', 'host', 'none'].includes(network)) {
      throw new InputError('network', inputs.network, `a user-defined network, not Docker's ${network} network (aliases resolve only on user-defined networks)`)
    }
  }
  const alias = inputs.alias.trim()
  if (alias !== '' && (!NAME.test(alias) || alias.length > ALIAS_MAX)) throw new InputError('alias', inputs.alias, ALIAS_FORM)
  const replicasText = inputs.replicas.trim()
  if (!/^\d{1,4}$/.test(replicasText) || Number(replicasText) < 1) throw new InputError('replicas', inputs.replicas, 'a whole number of containers, from 1 to 9999')
  const config: PlainHostConfig = { replicas: Number(replicasText) }
  if (network !== '') config.network = network
  if (alias !== '') config.alias = alias
  const envFile = inputs['env-file'].trim()
  if (envFile !== '') config.envFile = envFile
  return config
}

/** The lines of the env-file, or an InputError that names the line and key (a value may be a secret). */
export function parseEnvFile(text: string): EnvLine[] {
  try {
    return parseEnvLines(text)
  } catch (error) {
    if (!(error instanceof EnvLineError)) throw error
    throw new InputError('env-file', `line ${error.line}: ${error.shown}`, `${ENV_LINES_FORM}; ${error.reason}`)
  }
}

/**
 * The inputs that only a plain Docker host uses: on Swarm they would silently do nothing, so they are
 * refused. Called at parse time for platform swarm, and once platform auto has found a Swarm service.
 */
export function checkSwarmInputs(plainHost: PlainHostConfig): void {
  const why = '(a Swarm service keeps its own networks, replicas and environment)'
  const notOnSwarm = (input: string, value: string): InputError => new InputError(input, value, `empty unless platform is docker ${why}`)
  if (plainHost.network) throw notOnSwarm('network', plainHost.network)
  if (plainHost.alias) throw notOnSwarm('alias', plainHost.alias)
  if (plainHost.replicas !== 1) throw new InputError('replicas', String(plainHost.replicas), `1 (the default) unless platform is docker ${why}`)
  if (plainHost.envFile) throw notOnSwarm('env-file', plainHost.envFile)
}
