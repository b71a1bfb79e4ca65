// The deploy lock's rules, from a table: take, keep, wait, or take over.
import { describe, expect, it } from '@jest/globals'
import { decideLock, lockOwner, parseLockLabel, type LockRecord } from '../../src/rollout/lock-decision.js'

const NOW = Date.parse('2026-11-25T10:00:00Z')
const held = (expires: string, token = 'other'): LockRecord => ({ owner: 'acme/api run 7 by ana', token, at: '2026-11-25T09:55:00Z', expires })

describe('decideLock', () => {
  it.each([
    ['nobody holds it', undefined, false, { action: 'take' }],
    ['this run holds it', held('2026-11-25T10:10:00Z', 'me'), false, { action: 'mine' }],
    ['another run holds it', held('2026-11-25T10:10:00Z'), false, { action: 'wait', holder: held('2026-11-25T10:10:00Z') }],
    ['it expired', held('2026-11-25T09:59:59Z'), false, { action: 'take-over', why: 'it was held by acme/api run 7 by ana since 2026-11-25T09:55:00Z and expired at 2026-11-25T09:59:59Z' }],
    ['it expires this very moment', held('2026-11-25T10:00:00Z'), false, { action: 'take-over', why: 'it was held by acme/api run 7 by ana since 2026-11-25T09:55:00Z and expired at 2026-11-25T10:00:00Z' }],
    ['force-unlock', held('2026-11-25T10:10:00Z'), true, { action: 'take-over', why: 'force-unlock is set; it was held by acme/api run 7 by ana since 2026-11-25T09:55:00Z' }],
    ['force-unlock, but it is ours', held('2026-11-25T10:10:00Z', 'me'), true, { action: 'mine' }]
  ] as const)('%s', (_title, existing, force, expected) => {
    expect(decideLock(existing, 'me', NOW, force)).toEqual(expected)
  })

  it('takes over a lock label nobody can read, rather than blocking every deploy', () => {
    const decision = decideLock(parseLockLabel('{not json'), 'me', NOW, false)
    expect(decision.action).toBe('take-over')
  })
})

describe('parseLockLabel', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    [JSON.stringify(held('2026-11-25T10:10:00Z')), held('2026-11-25T10:10:00Z')],
    ['{"owner":"x"}', { owner: 'unknown', token: '', at: 'unknown', expires: 'invalid' }],
    ['garbage', { owner: 'unknown', token: '', at: 'unknown', expires: 'invalid' }]
  ])('%j', (value, expected) => {
    expect(parseLockLabel(value)).toEqual(expected)
  })
})

describe('lockOwner', () => {
  it.each([
    [{ GITHUB_RUN_ID: '7', GITHUB_REPOSITORY: 'acme/api', GITHUB_RUN_ATTEMPT: '2', GITHUB_ACTOR: 'ana' }, 'acme/api run 7.2 by ana'],
    [{ GITHUB_RUN_ID: '7', GITHUB_REPOSITORY: 'acme/api' }, 'acme/api run 7'],
    [{}, 'me@laptop']
  ])('%j', (env, expected) => {
    expect(lockOwner(env, 'me@laptop')).toBe(expected)
  })
})
