import { describe, it, expect } from '@jest/globals'
import { InputError } from '../../src/config/input-error.js'
import { deploymentsSkipReason, parseDeploymentsConfig, type DeploymentsConfig, type DeploymentsInputs } from '../../src/github/deployments-config.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz'
const OFF: DeploymentsInputs = { 'github-token': '', environment: '', 'environment-url': '', 'github-deployments': 'auto' }
const ON: DeploymentsInputs = { ...OFF, 'github-token': TOKEN, environment: 'production' }
const ENV: NodeJS.ProcessEnv = { GITHUB_REPOSITORY: 'octo/app', GITHUB_SHA: SHA, GITHUB_RUN_ID: '42' }

/** The config of ON in ENV, for good rows to change only what they are about. */
const DEFAULT: DeploymentsConfig = {
  token: TOKEN,
  environment: 'production',
  repository: 'octo/app',
  apiUrl: 'https://api.github.com',
  serverUrl: 'https://github.com',
  runId: '42',
  ref: SHA
}

const { runId: _runId, ...WITHOUT_RUN_ID } = DEFAULT

const ACT_REASON = 'GitHub Deployments are skipped under act (ACT=true); set github-deployments: true to create them anyway'
const TOKEN_FORM = 'a token that may write deployments (e.g. secrets.GITHUB_TOKEN with permissions deployments: write), since github-deployments is true'
const URL_FORM = 'an http:// or https:// URL such as https://app.example.com'
const NO_REPO = 'GITHUB_REPOSITORY to be owner/repo (it is not set, e.g. outside GitHub Actions), or github-deployments: false'

type GoodRow = [string, Partial<DeploymentsInputs>, NodeJS.ProcessEnv, DeploymentsConfig | undefined]

const good: GoodRow[] = [
  ['auto with nothing set is off', OFF, ENV, undefined],
  ['auto with environment but no token is off (the token is opt-in)', { ...OFF, environment: 'production' }, ENV, undefined],
  ['auto with a token but no environment is off', { ...OFF, 'github-token': TOKEN }, ENV, undefined],
  ['false is off even with both set', { ...ON, 'github-deployments': 'false' }, ENV, undefined],
  ['false needs no GITHUB_REPOSITORY', { ...ON, 'github-deployments': 'false' }, {}, undefined],
  ['auto with token and environment is on', ON, ENV, DEFAULT],
  ['auto is off under act', ON, { ...ENV, ACT: 'true' }, undefined],
  ['auto under act without GITHUB_REPOSITORY is off, not an error', ON, { ACT: 'true' }, undefined],
  ['true is on under act', { ...ON, 'github-deployments': 'true' }, { ...ENV, ACT: 'true' }, DEFAULT],
  ['true in any case, like the other booleans', { ...ON, 'github-deployments': 'TRUE' }, { ...ENV, ACT: 'true' }, DEFAULT],
  ['yes is true', { ...ON, 'github-deployments': 'yes' }, { ...ENV, ACT: 'true' }, DEFAULT],
  ['no is false', { ...ON, 'github-deployments': 'no' }, ENV, undefined],
  ['values are trimmed', { ...ON, environment: ' staging ', 'github-deployments': ' true ' }, ENV, { ...DEFAULT, environment: 'staging' }],
  ['environment-url', { ...ON, 'environment-url': 'https://app.example.com/' }, ENV, { ...DEFAULT, environmentUrl: new URL('https://app.example.com/') }],
  ['run attempt', ON, { ...ENV, GITHUB_RUN_ATTEMPT: '2' }, { ...DEFAULT, runAttempt: '2' }],
  ['no run id', ON, { ...ENV, GITHUB_RUN_ID: '' }, WITHOUT_RUN_ID],
  ['GITHUB_REF without GITHUB_SHA', ON, { ...ENV, GITHUB_SHA: undefined, GITHUB_REF: 'refs/heads/main' }, { ...DEFAULT, ref: 'refs/heads/main' }],
  [
    'GitHub Enterprise URLs, without trailing slashes',
    ON,
    { ...ENV, GITHUB_API_URL: 'https://ghe.example.com/api/v3/', GITHUB_SERVER_URL: 'https://ghe.example.com/' },
    { ...DEFAULT, apiUrl: 'https://ghe.example.com/api/v3', serverUrl: 'https://ghe.example.com' }
  ]
]

type BadRow = [string, Partial<DeploymentsInputs>, NodeJS.ProcessEnv, string]

const bad: BadRow[] = [
  ['unknown mode', { ...ON, 'github-deployments': 'on' }, ENV, `Invalid input 'github-deployments': "on". Expected auto, true or false.`],
  ['empty mode', { ...ON, 'github-deployments': '' }, ENV, `Invalid input 'github-deployments': (empty). Expected auto, true or false.`],
  ['mode maybe', { ...ON, 'github-deployments': 'maybe' }, ENV, `Invalid input 'github-deployments': "maybe". Expected auto, true or false.`],
  ['true without a token', { ...ON, 'github-token': '', 'github-deployments': 'true' }, ENV, `Invalid input 'github-token': (empty). Expected ${TOKEN_FORM}.`],
  [
    'true without an environment',
    { ...ON, environment: '', 'github-deployments': 'true' },
    ENV,
    `Invalid input 'environment': (empty). Expected a GitHub environment name such as production, since github-deployments is true.`
  ],
  ['environment-url without scheme', { ...ON, 'environment-url': 'app.example.com' }, ENV, `Invalid input 'environment-url': "app.example.com". Expected ${URL_FORM}.`],
  ['environment-url ftp', { ...ON, 'environment-url': 'ftp://app.example.com' }, ENV, `Invalid input 'environment-url': "ftp://app.example.com". Expected ${URL_FORM}.`],
  ['environment-url checked even when off', { ...OFF, 'environment-url': 'not a url', 'github-deployments': 'false' }, ENV, `Invalid input 'environment-url': "not a url". Expected ${URL_FORM}.`],
  ['auto on outside Actions', ON, { GITHUB_SHA: SHA }, `Invalid input 'github-deployments': "auto". Expected ${NO_REPO}.`],
  ['true on outside Actions', { ...ON, 'github-deployments': 'true' }, { ACT: 'true' }, `Invalid input 'github-deployments': "true". Expected ${NO_REPO}.`],
  [
    'GITHUB_REPOSITORY not owner/repo',
    ON,
    { ...ENV, GITHUB_REPOSITORY: 'app' },
    `Invalid input 'github-deployments': "auto". Expected GITHUB_REPOSITORY to be owner/repo (it is "app"), or github-deployments: false.`
  ],
  [
    'no GITHUB_SHA nor GITHUB_REF',
    ON,
    { ...ENV, GITHUB_SHA: '' },
    `Invalid input 'github-deployments': "auto". Expected GITHUB_SHA or GITHUB_REF to be set (the ref the Deployment records), or github-deployments: false.`
  ]
]

describe('parseDeploymentsConfig', () => {
  it.each(good)('%s', (_name, inputs, env, expected) => {
    expect(parseDeploymentsConfig({ ...OFF, ...inputs }, env)).toEqual(expected)
  })

  it.each(bad)('rejects: %s', (_name, inputs, env, message) => {
    const parse = (): unknown => parseDeploymentsConfig({ ...OFF, ...inputs }, env)
    expect(parse).toThrow(InputError)
    expect(parse).toThrow(message)
    // toThrow(string) matches a substring; the message must be exactly this.
    try {
      parse()
    } catch (error) {
      expect((error as Error).message).toBe(message)
      expect((error as Error).message).not.toContain(TOKEN)
    }
  })

})

describe('deploymentsSkipReason', () => {
  type Row = [string, Partial<DeploymentsInputs>, NodeJS.ProcessEnv, string | undefined]
  const rows: Row[] = [
    ['auto under act with both set', ON, { ...ENV, ACT: 'true' }, ACT_REASON],
    ['auto outside act', ON, ENV, undefined],
    ['true under act (they are created)', { ...ON, 'github-deployments': 'true' }, { ACT: 'true' }, undefined],
    ['false under act (the user turned them off)', { ...ON, 'github-deployments': 'false' }, { ACT: 'true' }, undefined],
    ['auto under act without a token (never asked for)', { ...ON, 'github-token': '' }, { ACT: 'true' }, undefined],
    ['AUTO in capitals under act', { ...ON, 'github-deployments': 'AUTO' }, { ACT: 'true' }, ACT_REASON],
    ['ACT other than true', ON, { ...ENV, ACT: '1' }, undefined],
    ['a bad mode (the parser reports it)', { ...ON, 'github-deployments': 'on' }, { ACT: 'true' }, undefined]
  ]
  it.each(rows)('%s', (_name, inputs, env, expected) => {
    expect(deploymentsSkipReason({ ...OFF, ...inputs }, env)).toBe(expected)
  })
})
