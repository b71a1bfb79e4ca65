import { describe, it, expect } from '@jest/globals'
import { parseDuration } from '../../src/config/durations.js'
import { InputError } from '../../src/config/input-error.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1500],
    ['30', 30_000],
    [' 10s ', 10_000]
  ])('%j is %d ms', (value, ms) => {
    expect(parseDuration('monitor', value)).toBe(ms)
  })

  it.each([
    ['', `Invalid input 'deadline': (empty). Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['-5s', `Invalid input 'deadline': "-5s". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['10x', `Invalid input 'deadline': "10x". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['1.5.3s', `Invalid input 'deadline': "1.5.3s". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['s', `Invalid input 'deadline': "s". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['10 s', `Invalid input 'deadline': "10 s". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['30s1m', `Invalid input 'deadline': "30s1m". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['1m1m', `Invalid input 'deadline': "1m1m". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['10S', `Invalid input 'deadline': "10S". Expected a duration such as 500ms, 10s, 2m or 1m30s.`],
    ['0', `Invalid input 'deadline': "0". Expected a duration greater than zero, such as 500ms, 10s, 2m or 1m30s.`],
    ['0s', `Invalid input 'deadline': "0s". Expected a duration greater than zero, such as 500ms, 10s, 2m or 1m30s.`],
    ['1000h', `Invalid input 'deadline': "1000h". Expected a duration of at most 596h.`]
  ])('rejects %j', (value, message) => {
    expect(() => parseDuration('deadline', value)).toThrow(InputError)
    expect(() => parseDuration('deadline', value)).toThrow(message)
  })

  it('accepts zero only when allowed', () => {
    expect(parseDuration('monitor', '0', { allowZero: true })).toBe(0)
    expect(parseDuration('monitor', '0s', { allowZero: true })).toBe(0)
    expect(() => parseDuration('monitor', '0', { allowZero: false })).toThrow(InputError)
  })

  it('carries the input, value and expected form on the error', () => {
    try {
      parseDuration('health-interval', '10x')
      throw new Error('no error')
    } catch (error) {
      expect(error).toBeInstanceOf(InputError)
      expect(error).toMatchObject({ input: 'health-interval', value: '10x', expected: 'a duration such as 500ms, 10s, 2m or 1m30s' })
    }
  })
})
