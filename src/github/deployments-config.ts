// Whether and how to record the rollout as a GitHub Deployment. Pure: inputs and environment in, config out.
import { InputError } from '../config/input-error.js'

export interface DeploymentsConfig {
  token: string
  environment: string
  environmentUrl?: URL
  /** owner/repo, from GITHUB_REPOSITORY. */
  repository: string
  /** REST API base without a trailing slash, e.g. https://api.github.com. */
  apiUrl: string
  /** Web base without a trailing slash, e.g. https://github.com; for the log_url of statuses. */
  serverUrl: string
  /** GITHUB_RUN_ID; without it statuses carry no log_url. */
  runId?: string
  runAttempt?: string
  /** The commit (GITHUB_SHA) or, failing that, GITHUB_REF. */
  ref: string
}

export interface DeploymentsInputs {
  'github-token': string
  environment: string
  'environment-url': string
  'github-deployments': string
}

type Mode = 'auto' | 'true' | 'false'

const MODE_FORM = 'auto, true or false'
const URL_FORM = 'an http:// or https:// URL such as https://app.example.com'
// GitHub's own rules for owner and repository names are narrower; this only rejects what cannot be a path.
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/

/** The Deployments config, or undefined when Deployments are off. Throws InputError on bad inputs. */
export function parseDeploymentsConfig(inputs: DeploymentsInputs, env: NodeJS.ProcessEnv): DeploymentsConfig | undefined {
  const mode = parseMode(inputs['github-deployments'])
  // Checked even when off: a typo should not wait until Deployments are switched on to surface.
  const environmentUrl = parseEnvironmentUrl(inputs['environment-url'])
  if (mode === 'false') return undefined
  const token = inputs['github-token'].trim()
  const environment = inputs.environment.trim()
  if (mode === 'true') {
    if (token === '') {
      throw new InputError('github-token', '', 'a token that may write deployments (e.g. secrets.GITHUB_TOKEN with permissions deployments: write), since github-deployments is true')
    }
    if (environment === '') throw new InputError('environment', '', 'a GitHub environment name such as production, since github-deployments is true')
  } else {
    // The token is opt-in: an environment without one (or the other way round) simply means no Deployment.
    if (token === '' || environment === '') return undefined
    if (isAct(env)) return undefined
  }

  const repository = env.GITHUB_REPOSITORY?.trim() ?? ''
  if (!REPOSITORY.test(repository)) {
    const seen = repository === '' ? 'it is not set, e.g. outside GitHub Actions' : `it is ${JSON.stringify(repository)}`
    throw new InputError('github-deployments', inputs['github-deployments'], `GITHUB_REPOSITORY to be owner/repo (${seen}), or github-deployments: false`)
  }
  const ref = env.GITHUB_SHA?.trim() || env.GITHUB_REF?.trim() || ''
  if (ref === '') {
    throw new InputError('github-deployments', inputs['github-deployments'], 'GITHUB_SHA or GITHUB_REF to be set (the ref the Deployment records), or github-deployments: false')
  }

  const config: DeploymentsConfig = {
    token,
    environment,
    repository,
    apiUrl: baseUrl(env.GITHUB_API_URL, 'https://api.github.com'),
    serverUrl: baseUrl(env.GITHUB_SERVER_URL, 'https://github.com'),
    ref
  }
  if (environmentUrl !== undefined) config.environmentUrl = environmentUrl
  const runId = env.GITHUB_RUN_ID?.trim()
  if (runId) config.runId = runId
  const runAttempt = env.GITHUB_RUN_ATTEMPT?.trim()
  if (runAttempt) config.runAttempt = runAttempt
  return config
}

/**
 * Why Deployments that the inputs ask for are not created, for the caller to tell the user:
 * only under act with github-deployments: auto. Undefined otherwise; never throws.
 */
export function deploymentsSkipReason(inputs: DeploymentsInputs, env: NodeJS.ProcessEnv): string | undefined {
  const asked = inputs['github-deployments'].trim().toLowerCase() === 'auto' && inputs['github-token'].trim() !== '' && inputs.environment.trim() !== ''
  if (!asked || !isAct(env)) return undefined
  return 'GitHub Deployments are skipped under act (ACT=true); set github-deployments: true to create them anyway'
}

// Like the other boolean inputs (parseBoolean): yes/no and 1/0 too, in any case.
function parseMode(value: string): Mode {
  const text = value.trim().toLowerCase()
  if (text === 'auto') return 'auto'
  if (['true', 'yes', '1'].includes(text)) return 'true'
  if (['false', 'no', '0'].includes(text)) return 'false'
  throw new InputError('github-deployments', value, MODE_FORM)
}

function parseEnvironmentUrl(value: string): URL | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const url = URL.parse(text)
  if (url === null || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    throw new InputError('environment-url', value, URL_FORM)
  }
  return url
}

// act sets ACT=true; its fake runs would otherwise pile Deployments onto the real repository.
function isAct(env: NodeJS.ProcessEnv): boolean {
  return env.ACT === 'true'
}

function baseUrl(value: string | undefined, fallback: string): string {
  const text = value?.trim() || fallback
  return text.replace(/\/+$/, '')
}
