// The platform inputs (platform, drain, pre-stop) and what a first deploy on a plain host is made of
// (network, alias, replicas, env-file): every bad value gives one exact InputError; env lines never
// show a value in a message (it may be a secret).
import { describe, expect, it } from '@jest/globals'
import { INPUT_DEFAULTS, type Inputs } from '../../src/config/inputs.js'
import { InputError } from '../../src/config/input-error.js'
import { parseConfig } from '../../src/config/parse-config.js'
import { ENV_LINES_FORM, parseEnvLines } from '../../src/config/env-lines.js'
import { checkSwarmInputs, parseEnvFile, type PlatformConfig } from '../../src/config/parse-platform.js'

const BASE: Inputs = { ...INPUT_DEFAULTS, image: '127.0.0.1:5000/app:v1', service: 'web' }
const ENV = { GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' }
const parse = (overrides: Partial<Inputs>): PlatformConfig => {
  const { platform, drainMs, preStop, plainHost } = parseConfig({ ...BASE, ...overrides }, ENV)
  return { platform, drainMs, plainHost, ...(preStop ? { preStop } : {}) }
}

const PRE_STOP = 'a shell command (run with /bin/sh -c), or a JSON array of strings such as ["/app/drain", "--wait=5"]'
const ALIAS = 'a network alias: a letter or digit followed by letters, digits, _, . or -, at most 55 characters (so that -preview and -canary still fit a DNS name)'
const NOT_ON_SWARM = 'empty unless platform is docker (a Swarm service keeps its own networks, replicas and environment)'

const bad: Array<[string, Partial<Inputs>, string]> = [
  ['platform kubernetes', { platform: 'kubernetes' }, `Invalid input 'platform': "kubernetes". Expected auto, swarm or docker.`],
  ['drain 10', { drain: '10x' }, `Invalid input 'drain': "10x". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
  ['pre-stop not JSON', { 'pre-stop': '["/app/drain",' }, `Invalid input 'pre-stop': "[\\"/app/drain\\",". Expected ${PRE_STOP}.`],
  ['pre-stop empty array', { 'pre-stop': '[]' }, `Invalid input 'pre-stop': "[]". Expected ${PRE_STOP}.`],
  ['pre-stop with a number', { 'pre-stop': '["sleep", 5]' }, `Invalid input 'pre-stop': "[\\"sleep\\", 5]". Expected ${PRE_STOP}.`],
  ['pre-stop with an empty word', { 'pre-stop': '["node", ""]' }, `Invalid input 'pre-stop': "[\\"node\\", \\"\\"]". Expected ${PRE_STOP}.`],
  ['network with a space', { network: 'my net' }, `Invalid input 'network': "my net". Expected the name of a user-defined network: a letter or digit followed by letters, digits, _, . or -.`],
  ['network bridge', { network: 'bridge' }, `Invalid input 'network': "bridge". Expected a user-defined network, not Docker's bridge network (aliases resolve only on user-defined networks).`],
  ['alias with a slash', { alias: 'api/v1' }, `Invalid input 'alias': "api/v1". Expected ${ALIAS}.`],
  ['alias too long', { alias: 'a'.repeat(56) }, `Invalid input 'alias': "${'a'.repeat(56)}". Expected ${ALIAS}.`],
  ['replicas 0', { replicas: '0' }, `Invalid input 'replicas': "0". Expected a whole number of containers, from 1 to 9999.`],
  ['replicas two', { replicas: 'two' }, `Invalid input 'replicas': "two". Expected a whole number of containers, from 1 to 9999.`],
  ['network on swarm', { platform: 'swarm', network: 'appnet' }, `Invalid input 'network': "appnet". Expected ${NOT_ON_SWARM}.`],
  ['alias on swarm', { platform: 'swarm', alias: 'api' }, `Invalid input 'alias': "api". Expected ${NOT_ON_SWARM}.`],
  ['replicas on swarm', { platform: 'swarm', replicas: '3' }, `Invalid input 'replicas': "3". Expected 1 (the default) unless platform is docker (a Swarm service keeps its own networks, replicas and environment).`],
  ['env-file on swarm', { platform: 'swarm', 'env-file': '.env' }, `Invalid input 'env-file': ".env". Expected ${NOT_ON_SWARM}.`]
]

describe('platform inputs', () => {
  it.each(bad)('refuses %s', (_name, overrides, message) => {
    let error: unknown
    try {
      parse(overrides)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toBe(message)
    expect((error as Error).message).not.toContain('hunter2')
  })

  const good: Array<[string, Partial<Inputs>, PlatformConfig]> = [
    ['the defaults', {}, { platform: 'auto', drainMs: 10_000, plainHost: { replicas: 1 } }],
    ['a shell pre-stop, drain 0', { platform: 'docker', 'pre-stop': 'rm /www/health && sleep 2', drain: '0' }, { platform: 'docker', drainMs: 0, preStop: ['/bin/sh', '-c', 'rm /www/health && sleep 2'], plainHost: { replicas: 1 } }],
    ['an exec pre-stop', { 'pre-stop': ' ["/app/drain", "--wait=5"] ' }, { platform: 'auto', drainMs: 10_000, preStop: ['/app/drain', '--wait=5'], plainHost: { replicas: 1 } }],
    [
      'a first deploy',
      { platform: 'docker', network: 'appnet', alias: 'api.internal', replicas: '3', 'env-file': 'deploy/app.env' },
      {
        platform: 'docker',
        drainMs: 10_000,
        plainHost: {
          network: 'appnet', alias: 'api.internal', replicas: 3, envFile: 'deploy/app.env'
        }
      }
    ],
    ['swarm with the defaults', { platform: 'swarm', 'pre-stop': 'true' }, { platform: 'swarm', drainMs: 10_000, preStop: ['/bin/sh', '-c', 'true'], plainHost: { replicas: 1 } }]
  ]
  it.each(good)('accepts %s', (_name, overrides, expected) => {
    expect(parse(overrides)).toEqual(expected)
  })

  it('refuses the plain-host inputs once auto turned out to be Swarm, the same way', () => {
    expect(() => checkSwarmInputs({ replicas: 1, network: 'appnet' })).toThrow(`Invalid input 'network': "appnet". Expected ${NOT_ON_SWARM}.`)
    expect(() => checkSwarmInputs({ replicas: 1 })).not.toThrow()
  })
})

describe('env lines', () => {
  it('reads values literally: spaces, quotes, = and # inside a value', () => {
    expect(parseEnvLines(' GREETING=hello world \nQUOTED="x"\nURL=a=b#c\n  # indented comment')).toEqual([
      { key: 'GREETING', value: 'hello world ', line: 1 },
      { key: 'QUOTED', value: '"x"', line: 2 },
      { key: 'URL', value: 'a=b#c', line: 3 }
    ])
  })

  it.each([
    ['no =', 'A=1\nJUST_A_WORD', `Invalid input 'env-file': "line 2: JUST_A_WORD". Expected ${ENV_LINES_FORM}; there is no =.`],
    ['a bad key, its value hidden', '1PASSWORD=hunter2', `Invalid input 'env-file': "line 1: 1PASSWORD=…". Expected ${ENV_LINES_FORM}; the key is not a letter or _ followed by letters, digits, _, . or -.`],
    ['a key twice', 'A=1\n# note\nA=2', `Invalid input 'env-file': "line 3: A=…". Expected ${ENV_LINES_FORM}; A is given twice.`]
  ])('refuses an env-file line with %s, naming the line and never the value', (_name, text, message) => {
    expect(() => parseEnvFile(text)).toThrow(message)
  })
})
