// The GitHub Deployments edge against the REST API's shapes, served by nock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { MemoryLog } from '../../src/log.js'
import type { DeploymentsConfig } from '../../src/github/deployments-config.js'
import { createDeploymentTracker } from '../../src/github/deployments.js'

const API = 'https://api.github.com'
const TOKEN = 'ghs_TopSecret0123456789abcdefghijklmnop'
const SHA = '0123456789abcdef0123456789abcdef01234567'
const REPO = '/repos/octo/app'
const CONFIG: DeploymentsConfig = {
  token: TOKEN,
  environment: 'production',
  environmentUrl: new URL('https://app.example.com/'),
  repository: 'octo/app',
  apiUrl: API,
  serverUrl: 'https://github.com',
  runId: '42',
  runAttempt: '2',
  ref: SHA
}
const LOG_URL = 'https://github.com/octo/app/actions/runs/42/attempts/2'
const PAYLOAD = { image: 'ghcr.io/octo/app:v1', strategy: 'rolling' }
const HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'zero-downtime-deploy'
}

/** A 201 reply of "Create a deployment" (trimmed to the fields that matter). */
function deployment(id: number): Record<string, unknown> {
  return {
    url: `${API}${REPO}/deployments/${id}`,
    id,
    node_id: 'MDEwOkRlcGxveW1lbnQx',
    sha: SHA,
    ref: SHA,
    task: 'deploy',
    payload: PAYLOAD,
    environment: 'production',
    description: 'Rolling out v1',
    statuses_url: `${API}${REPO}/deployments/${id}/statuses`,
    created_at: '2024-01-01T00:00:00Z',
    transient_environment: false,
    production_environment: true
  }
}

/** A reply of "Create a deployment status" / an item of "List deployment statuses". */
function status(id: number, state: string): Record<string, unknown> {
  return { url: `${API}${REPO}/deployments/${id}/statuses/1`, id: 1, state, description: '', environment: 'production', log_url: LOG_URL }
}

const api = (): nock.Scope => nock(API, { reqheaders: HEADERS })

/** nock for the start of deployment 123: created, then in_progress. */
function started(): nock.Scope {
  return api()
    .post(`${REPO}/deployments`, {
      ref: SHA,
      environment: 'production',
      description: 'Rolling out v1',
      auto_merge: false,
      required_contexts: [],
      payload: PAYLOAD,
      transient_environment: false,
      production_environment: true
    })
    .reply(201, deployment(123))
    .post(`${REPO}/deployments/123/statuses`, {
      state: 'in_progress',
      log_url: LOG_URL,
      environment_url: 'https://app.example.com/',
      description: 'Rolling out v1'
    })
    .reply(201, status(123, 'in_progress'))
}

function finalStatus(state: string, description: string): nock.Scope {
  return api()
    .post(`${REPO}/deployments/123/statuses`, { state, log_url: LOG_URL, environment_url: 'https://app.example.com/', description, auto_inactive: true })
    .reply(201, status(123, state))
}

function listed(ids: number[]): nock.Scope {
  return api()
    .get(`${REPO}/deployments`)
    .query({ environment: 'production', per_page: '20' })
    .reply(200, ids.map(deployment))
}

const STARTED = ['GitHub Deployment 123 for production: created for ' + SHA, 'GitHub Deployment 123 for production: in_progress']

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
// nock patches Node's own http module, which every test file in a --runInBand run shares: undo it.
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('createDeploymentTracker', () => {
  it('creates the deployment, sets it in_progress, then success, with exact bodies and headers', async () => {
    const log = new MemoryLog()
    const scope = started()
    finalStatus('success', 'Rolled out v1')
    listed([123])
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(scope.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
    expect(log.lines).toEqual([...STARTED, 'GitHub Deployment 123 for production: success'])
    expect(log.lines.join('\n')).not.toContain(TOKEN)
    expect(log.secrets).toContain(TOKEN)
  })

  it.each([
    ['rolled-back', 'Rolled back: health gate failed'],
    ['failed', 'Failed: health gate failed']
  ] as const)('sets failure when the rollout %s, and retires nothing', async (result, description) => {
    const log = new MemoryLog()
    started()
    finalStatus('failure', description)
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish(result, 'health gate failed')
    // No list call: a failed rollout leaves the previous Deployment active (nock would fail any other request).
    expect(nock.pendingMocks()).toEqual([])
    expect(log.lines).toEqual([...STARTED, 'GitHub Deployment 123 for production: failure'])
  })

  it('warns once on a 403 from create, makes no status calls, and finish does nothing', async () => {
    const log = new MemoryLog()
    api()
      .post(`${REPO}/deployments`)
      .reply(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment', status: '403' })
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(log.lines).toEqual([
      'warning: GitHub Deployments: creating the deployment failed (HTTP 403: Resource not accessible by integration); give the job permissions: deployments: write'
    ])
  })

  it('warns on a 202 (a merge instead of a deployment) and stays inert', async () => {
    const log = new MemoryLog()
    api().post(`${REPO}/deployments`).reply(202, { message: 'Auto-merged main into topic-branch on deployment.' })
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('failed', 'boom')
    expect(log.lines).toEqual([
      'warning: GitHub Deployments: creating the deployment returned HTTP 202 (Auto-merged main into topic-branch on deployment.) and no deployment; none is recorded'
    ])
  })

  // An Error, not a plain object: with fetch, nock never settles a request given { code, message }.
  it('warns on a network error without throwing', async () => {
    const log = new MemoryLog()
    api().post(`${REPO}/deployments`).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    const tracker = createDeploymentTracker(CONFIG, log)
    await expect(tracker.start('Rolling out v1', PAYLOAD)).resolves.toBeUndefined()
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(log.lines).toEqual(['warning: GitHub Deployments: creating the deployment failed (ECONNRESET: socket hang up)'])
  })

  it('warns when a status call fails and finish then does nothing', async () => {
    const log = new MemoryLog()
    api().post(`${REPO}/deployments`).reply(201, deployment(123))
    api().post(`${REPO}/deployments/123/statuses`).reply(500, 'upstream hiccup')
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(log.lines).toEqual([
      STARTED[0],
      'warning: GitHub Deployments: setting deployment 123 to in_progress failed (HTTP 500: upstream hiccup)'
    ])
  })

  it('marks an older success inactive, but not an older failure nor a newer deployment', async () => {
    const log = new MemoryLog()
    started()
    finalStatus('success', 'Rolled out v1')
    // Newest first, as the API lists them; 124 is a later run that overtook this one.
    listed([124, 123, 99, 98])
    api().get(`${REPO}/deployments/99/statuses`).query({ per_page: '1' }).reply(200, [status(99, 'success')])
    api().get(`${REPO}/deployments/98/statuses`).query({ per_page: '1' }).reply(200, [status(98, 'failure')])
    const inactive = api()
      .post(`${REPO}/deployments/99/statuses`, { state: 'inactive', description: 'Superseded by deployment 123' })
      .reply(201, status(99, 'inactive'))
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(inactive.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
    expect(log.lines).toEqual([
      ...STARTED,
      'GitHub Deployment 123 for production: success',
      'GitHub Deployment 99 for production: inactive (superseded by 123)'
    ])
  })

  it('leaves an older deployment without statuses alone', async () => {
    const log = new MemoryLog()
    started()
    finalStatus('success', 'Rolled out v1')
    listed([123, 97])
    api().get(`${REPO}/deployments/97/statuses`).query({ per_page: '1' }).reply(200, [])
    const tracker = createDeploymentTracker(CONFIG, log)
    await tracker.start('Rolling out v1', PAYLOAD)
    await tracker.finish('succeeded', 'Rolled out v1')
    expect(nock.pendingMocks()).toEqual([])
    expect(log.lines.filter((line) => line.startsWith('warning:'))).toEqual([])
  })

  it('sends no log_url without a run id, no environment_url without one, and cuts long descriptions', async () => {
    const log = new MemoryLog()
    const long = 'x'.repeat(200)
    const clipped = `${'x'.repeat(139)}…`
    const { runId: _runId, runAttempt: _attempt, environmentUrl: _url, ...bare } = CONFIG
    api()
      .post(`${REPO}/deployments`, (body: Record<string, unknown>) => body.description === clipped && body.production_environment === false)
      .reply(201, deployment(7))
      .post(`${REPO}/deployments/7/statuses`, { state: 'in_progress', description: clipped })
      .reply(201, status(7, 'in_progress'))
    const tracker = createDeploymentTracker({ ...bare, environment: 'staging' }, log)
    await tracker.start(long, {})
    expect(nock.pendingMocks()).toEqual([])
    expect(log.lines).toEqual([`GitHub Deployment 7 for staging: created for ${SHA}`, 'GitHub Deployment 7 for staging: in_progress'])
  })

  it('does nothing on finish when start was never called', async () => {
    const log = new MemoryLog()
    await createDeploymentTracker(CONFIG, log).finish('succeeded', 'Rolled out v1')
    expect(log.lines).toEqual([])
  })
})
