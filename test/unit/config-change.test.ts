// The env/labels change of a release: applying edits, the diff shown to people (secrets masked), and
// the edits that turn one config into another.
import { describe, expect, it } from '@jest/globals'
import type { ConfigEdit } from '../../src/config/types.js'
import {
  applyEnvEdits, applyLabelEdits, changeBetween, describeDiff, diffConfig, isEmptyDiff, isSecretKey, maskDiff,
  secretEditValues, secretEnvValues, secretValues, type ContainerConfig
} from '../../src/release/config-change.js'

const set = (key: string, value: string): ConfigEdit => ({ key, value })
const drop = (key: string): ConfigEdit => ({ key })

describe('applyEnvEdits', () => {
  it.each<[string, string[] | undefined, ConfigEdit[], string[]]>([
    ['appends a new key', ['A=1'], [set('B', '2')], ['A=1', 'B=2']],
    ['changes a key in its place', ['A=1', 'B=2', 'C=3'], [set('B', 'two')], ['A=1', 'B=two', 'C=3']],
    ['removes a key', ['A=1', 'B=2'], [drop('A')], ['B=2']],
    ['removing a missing key changes nothing', ['A=1'], [drop('Z')], ['A=1']],
    ['starts from no env', undefined, [set('A', '1')], ['A=1']],
    ['keeps = in values', ['URL=http://x/?a=b'], [set('URL', 'http://y/?c=d=e')], ['URL=http://y/?c=d=e']],
    ['reads a key without a value', ['FLAG', 'A=1'], [set('FLAG', 'on')], ['FLAG=on', 'A=1']],
    ['applies edits in order', [], [set('A', '1'), drop('A'), set('B', '2')], ['B=2']]
  ])('%s', (_title, env, edits, expected) => {
    expect(applyEnvEdits(env, edits)).toEqual(expected)
  })

  it('leaves its input alone', () => {
    const env = ['A=1']
    applyEnvEdits(env, [set('A', '2'), set('B', '3')])
    expect(env).toEqual(['A=1'])
  })
})

describe('applyLabelEdits', () => {
  it.each<[string, Record<string, string> | undefined, ConfigEdit[], Record<string, string>]>([
    ['sets and removes', { team: 'web', old: 'x' }, [set('team', 'api'), drop('old'), set('new', 'y')], { team: 'api', new: 'y' }],
    ['from no labels', undefined, [set('a', '1')], { a: '1' }]
  ])('%s', (_title, labels, edits, expected) => {
    expect(applyLabelEdits(labels, edits)).toEqual(expected)
  })
})

const config = (env: string[], labels: Record<string, string> = {}): ContainerConfig => ({ env, labels })

describe('diffConfig', () => {
  it('lists added, changed and removed keys of env and labels, ignoring the release label', () => {
    const before = config(['A=1', 'B=2', 'C=3'], { team: 'web', 'zdd.release': 'aaaaaaaaaaaa' })
    const after = config(['A=1', 'B=two', 'D=4'], { team: 'api', extra: 'x', 'zdd.release': 'bbbbbbbbbbbb' })
    expect(diffConfig(before, after)).toEqual({
      env: { added: [{ key: 'D', value: '4' }], changed: [{ key: 'B', from: '2', to: 'two' }], removed: [{ key: 'C', value: '3' }] },
      labels: { added: [{ key: 'extra', value: 'x' }], changed: [{ key: 'team', from: 'web', to: 'api' }], removed: [] }
    })
  })

  it.each<[string, ContainerConfig, ContainerConfig, boolean]>([
    ['same config', config(['A=1']), config(['A=1']), true],
    ['only the release label differs', config([], { 'zdd.release': 'a' }), config([], { 'zdd.release': 'b' }), true],
    ['an env value differs', config(['A=1']), config(['A=2']), false],
    ['a label is added', config([]), config([], { a: '' }), false]
  ])('isEmptyDiff: %s', (_title, before, after, empty) => {
    expect(isEmptyDiff(diffConfig(before, after))).toBe(empty)
  })
})

describe('changeBetween', () => {
  it('gives the edits that turn one config into the other, both ways', () => {
    const before = config(['A=1', 'B=2'], { team: 'web' })
    const after = config(['A=1', 'B=3', 'C=4'], { team: 'web', toggle: 'on' })
    const forward = changeBetween(before, after)
    expect(forward).toEqual({ env: [set('C', '4'), set('B', '3')], labels: [set('toggle', 'on')] })
    expect(applyEnvEdits(before.env, forward.env)).toEqual(after.env)
    const back = changeBetween(after, before)
    expect(back).toEqual({ env: [set('B', '2'), drop('C')], labels: [drop('toggle')] })
    expect(applyEnvEdits(after.env, back.env)).toEqual(before.env)
    expect(applyLabelEdits(after.labels, back.labels)).toEqual(before.labels)
  })

  it('keeps an empty value as a value, not a removal', () => {
    expect(changeBetween(config(['A=x']), config(['A=']))).toEqual({ env: [set('A', '')], labels: [] })
  })
})

describe('secrets', () => {
  it.each([
    ['DB_PASSWORD', true], ['db_password', true], ['STRIPE_SECRET', true], ['GITHUB_TOKEN', true], ['API_KEY', true],
    ['AWS_CREDENTIALS', true], ['PRIVATE_PEM', true], ['FEATURE_CHECKOUT_V2', false], ['LOG_LEVEL', false], ['com.example.team', false]
  ])('%s looks secret: %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret)
  })

  const diff = diffConfig(
    config(['DB_PASSWORD=old-password', 'LOG_LEVEL=info', 'API_KEY=abc', 'OLD_TOKEN=tok-old-1']),
    config(['DB_PASSWORD=new-password', 'LOG_LEVEL=debug', 'API_KEY=abcd', 'GITHUB_TOKEN=ghp_123456', 'FEATURE=on'])
  )

  it('masks the values of secret-looking keys in the diff, and only those', () => {
    expect(maskDiff(diff)).toEqual({
      env: {
        added: [{ key: 'GITHUB_TOKEN', value: '***' }, { key: 'FEATURE', value: 'on' }],
        changed: [{ key: 'DB_PASSWORD', from: '***', to: '***' }, { key: 'LOG_LEVEL', from: 'info', to: 'debug' }, { key: 'API_KEY', from: '***', to: '***' }],
        removed: [{ key: 'OLD_TOKEN', value: '***' }]
      },
      labels: { added: [], changed: [], removed: [] }
    })
    expect(describeDiff(diff)).toEqual([
      'env + GITHUB_TOKEN=***',
      'env + FEATURE=on',
      'env ~ DB_PASSWORD: *** → ***',
      'env ~ LOG_LEVEL: info → debug',
      'env ~ API_KEY: *** → ***',
      'env - OLD_TOKEN'
    ])
  })

  it('gives the values a log must mask, leaving out those too short to mask', () => {
    expect(secretValues(diff).sort()).toEqual(['abcd', 'ghp_123456', 'new-password', 'old-password', 'tok-old-1'])
    expect(secretEnvValues(['DB_PASSWORD=hunter2-x', 'PIN_KEY=12', 'MODE=fast', 'TOKEN'])).toEqual(['hunter2-x'])
    expect(secretEditValues({ env: [set('API_TOKEN', 'tok-123456'), drop('OLD_TOKEN'), set('MODE', 'fast-mode')], labels: [set('secret.ref', 'vault-1')] })).toEqual(['tok-123456', 'vault-1'])
    expect(secretEditValues(undefined)).toEqual([])
  })
})
