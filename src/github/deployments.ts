// The GitHub Deployments edge: records a rollout as a Deployment with statuses through the REST API.
// Best effort: a Deployment is a view of the rollout, so no failure here may stop or fail it.
import type { Log } from '../log.js'
import type { DeploymentsConfig } from './deployments-config.js'

export type DeploymentResult = 'succeeded' | 'rolled-back' | 'failed'

export interface DeploymentTracker {
  /** Creates the Deployment and sets it in_progress. */
  start(description: string, payload: Record<string, string>): Promise<void>
  /** Sets the final status; after a success, marks older successful Deployments of the environment inactive. */
  finish(result: DeploymentResult, description: string): Promise<void>
}

const TIMEOUT_MS = 10_000
// The API rejects status descriptions longer than this (422).
const MAX_DESCRIPTION = 140
// Older Deployments looked at after a success: the newest are the ones that can still be active.
const EARLIER_PAGE = 20
const PERMISSION_HINT = '; give the job permissions: deployments: write'

interface Reply {
  status: number
  body: unknown
}

/** Thrown inside the tracker only; caught in one place and turned into one warning. */
class StepFailed extends Error {}

export function createDeploymentTracker(config: DeploymentsConfig, log: Log): DeploymentTracker {
  // Defensive: the action masks inputs already, but a tracker must not depend on that.
  log.setSecret(config.token)
  const repoPath = `/repos/${config.repository}`
  const env = config.environment
  let id: number | undefined
  let inert = false

  async function request(step: string, method: 'GET' | 'POST', path: string, body?: object): Promise<Reply> {
    let response: Response
    try {
      response = await fetch(`${config.apiUrl}${path}`, {
        method,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          authorization: `Bearer ${config.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'zero-downtime-deploy',
          ...(body ? { 'content-type': 'application/json' } : {})
        },
        ...(body ? { body: JSON.stringify(body) } : {})
      })
    } catch (error) {
      throw new StepFailed(`${step} failed (${describeFetchError(error)})`)
    }
    const text = await response.text().catch(() => '')
    const parsed = parseJson(text)
    if (response.status >= 200 && response.status < 300) return { status: response.status, body: parsed }
    const message = apiMessage(parsed) ?? (text.slice(0, 200) || response.statusText)
    throw new StepFailed(`${step} failed (HTTP ${response.status}${message ? `: ${message}` : ''})${hint(response.status, message)}`)
  }

  /** Runs one tracker call; the first failure warns once and turns every later call into a no-op. */
  async function guarded(fn: () => Promise<void>): Promise<void> {
    if (inert) return
    try {
      await fn()
    } catch (error) {
      inert = true
      const reason = error instanceof StepFailed ? error.message : `failed unexpectedly (${String(error)})`
      log.warning(`GitHub Deployments: ${reason}`)
    }
  }

  async function setStatus(deployment: number, state: string, fields: Record<string, unknown>): Promise<void> {
    await request(`setting deployment ${deployment} to ${state}`, 'POST', `${repoPath}/deployments/${deployment}/statuses`, { state, ...fields })
  }

  function links(): Record<string, string> {
    const fields: Record<string, string> = {}
    if (config.runId) {
      const attempt = config.runAttempt ? `/attempts/${config.runAttempt}` : ''
      fields.log_url = `${config.serverUrl}/${config.repository}/actions/runs/${config.runId}${attempt}`
    }
    if (config.environmentUrl) fields.environment_url = config.environmentUrl.href
    return fields
  }

  // auto_inactive only reaches non-production Deployments; production ones are retired here, explicitly.
  async function retireEarlier(current: number): Promise<void> {
    const query = new URLSearchParams({ environment: env, per_page: String(EARLIER_PAGE) })
    const list = await request(`listing earlier deployments of ${env}`, 'GET', `${repoPath}/deployments?${query}`)
    // Only older ones: a newer Deployment (a later run that overtook this one) stays as it is.
    const earlier = asArray(list.body).map((d) => numberField(d, 'id')).filter((d): d is number => d !== undefined && d < current)
    for (const deployment of earlier) {
      const statuses = await request(`reading the statuses of deployment ${deployment}`, 'GET', `${repoPath}/deployments/${deployment}/statuses?per_page=1`)
      const latest = asArray(statuses.body)[0] as { state?: unknown } | undefined
      if (latest?.state !== 'success') continue
      await setStatus(deployment, 'inactive', { description: clip(`Superseded by deployment ${current}`) })
      log.info(`GitHub Deployment ${deployment} for ${env}: inactive (superseded by ${current})`)
    }
  }

  return {
    start: (description, payload) => guarded(async () => {
      if (id !== undefined) return
      const created = await request('creating the deployment', 'POST', `${repoPath}/deployments`, {
        ref: config.ref,
        environment: env,
        description: clip(description),
        // Deploy exactly the commit that was built: no merging, no waiting on other checks.
        auto_merge: false,
        required_contexts: [],
        payload,
        transient_environment: false,
        production_environment: ['production', 'prod'].includes(env.toLowerCase())
      })
      const newId = numberField(created.body, 'id')
      if (created.status !== 201 || newId === undefined) {
        // 202 means GitHub merged branches instead of creating a Deployment (only with auto_merge).
        const message = apiMessage(created.body)
        throw new StepFailed(`creating the deployment returned HTTP ${created.status}${message ? ` (${message})` : ''} and no deployment; none is recorded`)
      }
      id = newId
      log.info(`GitHub Deployment ${id} for ${env}: created for ${config.ref}`)
      await setStatus(id, 'in_progress', { ...links(), description: clip(description) })
      log.info(`GitHub Deployment ${id} for ${env}: in_progress`)
    }),

    finish: (result, description) => guarded(async () => {
      if (id === undefined) return
      const current = id
      // Done once: a second finish must not post a second final status.
      id = undefined
      inert = true
      const state = result === 'succeeded' ? 'success' : 'failure'
      const text = result === 'succeeded' ? description : `${result === 'rolled-back' ? 'Rolled back' : 'Failed'}: ${description}`
      await setStatus(current, state, { ...links(), description: clip(text), auto_inactive: true })
      log.info(`GitHub Deployment ${current} for ${env}: ${state}`)
      if (state === 'success') await retireEarlier(current)
    })
  }
}

function hint(status: number, message: string): string {
  if (status === 401) return '; check github-token'
  if ((status === 403 && !/rate limit/i.test(message)) || status === 404) return PERMISSION_HINT
  return ''
}

function clip(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function apiMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : undefined
}

function asArray(body: unknown): unknown[] {
  return Array.isArray(body) ? body : []
}

function numberField(body: unknown, field: string): number | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined
}

function describeFetchError(error: unknown): string {
  // Duck-typed rather than instanceof: errors may come from another realm (test VMs, undici).
  const e = error as { name?: string; message?: string; cause?: { name?: string; code?: string; message?: string } } | undefined
  if (!e || typeof e !== 'object') return String(error)
  if ([e.name, e.cause?.name].includes('TimeoutError')) return `no reply within ${TIMEOUT_MS / 1000} s`
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? `: ${e.cause.message}` : ''}`
  return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message ?? String(error)
}
