// The action's inputs by their public names (the same as action.yml), as raw strings.
// parseConfig() turns them into a typed Config; this file only reads them.

export interface Inputs {
  'docker-host': string
  'ssh-private-key': string
  'ssh-known-hosts': string
  'ssh-key-passphrase': string
  'ssh-insecure-skip-host-key-check': string
  'tls-ca': string
  'tls-cert': string
  'tls-key': string
  image: string
  tags: string
  context: string
  dockerfile: string
  'build-args': string
  push: string
  'registry-username': string
  'registry-password': string
  service: string
  operation: string
  strategy: string
  'batch-size': string
  'canary-steps': string
  'preview-url': string
  'scale-down-delay': string
  'health-url': string
  'health-status': string
  'health-body': string
  'health-interval': string
  'health-timeout': string
  'health-successes': string
  monitor: string
  deadline: string
  timeout: string
  'prometheus-url': string
  'metrics-query': string
  'metrics-url': string
  'success-condition': string
  'analysis-interval': string
  'analysis-duration': string
  'failure-limit': string
  'inconclusive-limit': string
  'no-data': string
  compare: string
  'baseline-tolerance': string
  'pre-stop': string
  'auto-rollback': string
  'lock-timeout': string
  'force-unlock': string
  'dry-run': string
  'github-token': string
  environment: string
  'environment-url': string
  'github-deployments': string
}

export type InputName = keyof Inputs

/**
 * The one table of defaults; action.yml must agree (a unit test checks it). An empty string means
 * "no default". `docker-host` is empty because its fallback ($DOCKER_HOST) is resolved in parseConfig.
 */
export const INPUT_DEFAULTS: Readonly<Inputs> = {
  'docker-host': '',
  'ssh-private-key': '',
  'ssh-known-hosts': '',
  'ssh-key-passphrase': '',
  'ssh-insecure-skip-host-key-check': 'false',
  'tls-ca': '',
  'tls-cert': '',
  'tls-key': '',
  image: '',
  tags: '',
  context: '',
  dockerfile: 'Dockerfile',
  'build-args': '',
  push: 'true',
  'registry-username': '',
  'registry-password': '',
  service: '',
  operation: 'deploy',
  strategy: 'rolling',
  'batch-size': '1',
  'canary-steps': '10%,50%',
  'preview-url': '',
  'scale-down-delay': '30s',
  'health-url': '',
  'health-status': '200-399',
  'health-body': '',
  'health-interval': '2s',
  'health-timeout': '5s',
  'health-successes': '3',
  monitor: '10s',
  deadline: '120s',
  timeout: '15m',
  'prometheus-url': '',
  'metrics-query': '',
  'metrics-url': '',
  'success-condition': '',
  'analysis-interval': '10s',
  'analysis-duration': '60s',
  'failure-limit': '0',
  'inconclusive-limit': '0',
  'no-data': 'fail',
  compare: 'none',
  'baseline-tolerance': '20%+0.01',
  'pre-stop': '',
  'auto-rollback': 'true',
  'lock-timeout': '10m',
  'force-unlock': 'false',
  'dry-run': 'false',
  'github-token': '',
  environment: '',
  'environment-url': '',
  'github-deployments': 'auto'
}

/** Every input name, in action.yml order. */
export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as readonly InputName[]

/** Inputs whose values must never be printed (InputError shows only their length). */
export const SECRET_INPUTS: readonly InputName[] = ['ssh-private-key', 'ssh-key-passphrase', 'tls-key', 'registry-password', 'github-token']

/**
 * Reads every input through `getInput` (e.g. @actions/core's getInput). Values are trimmed, and an
 * empty value takes the default, so a runner (which applies action.yml defaults itself) and an
 * env reader (which does not) give the same result.
 */
export function readInputs(getInput: (name: string) => string): Inputs {
  const inputs = { ...INPUT_DEFAULTS }
  for (const name of INPUT_NAMES) {
    const value = (getInput(name) ?? '').trim()
    if (value !== '') inputs[name] = value
  }
  return inputs
}

/** The variable a runner sets for an input, as @actions/core reads it: `INPUT_BATCH-SIZE`. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Reads the inputs from `INPUT_*` variables (the CLI, tests, or a runner's environment). */
export function inputsFromEnv(env: NodeJS.ProcessEnv): Inputs {
  return readInputs((name) => env[inputEnvName(name)] ?? '')
}
