import { describe, it, expect } from '@jest/globals'
import { formatStatusRanges, parseStatusRanges, statusMatches } from '../../src/config/status-ranges.js'

const FORM = 'HTTP status codes from 100 to 599, such as 200-399, 200 or 200,204,300-302'

describe('parseStatusRanges', () => {
  it.each([
    ['200-399', [{ from: 200, to: 399 }]],
    ['200', [{ from: 200, to: 200 }]],
    ['200,204,300-302', [{ from: 200, to: 200 }, { from: 204, to: 204 }, { from: 300, to: 302 }]],
    [' 200 - 299 , 404 ', [{ from: 200, to: 299 }, { from: 404, to: 404 }]],
    ['100-599', [{ from: 100, to: 599 }]]
  ])('%j', (value, ranges) => {
    expect(parseStatusRanges('health-status', value)).toEqual(ranges)
  })

  it.each(['', '99', '600', '200-600', '399-200', '2xx', '200,', ',200', '200-', '200--300', '2000', '200;204', '-200'])(
    'rejects %j',
    (value) => {
      const shown = value === '' ? '(empty)' : JSON.stringify(value)
      expect(() => parseStatusRanges('health-status', value)).toThrow(`Invalid input 'health-status': ${shown}. Expected ${FORM}.`)
    }
  )
})

describe('statusMatches', () => {
  const ranges = parseStatusRanges('health-status', '200-299,304')
  it.each([
    [200, true],
    [250, true],
    [299, true],
    [304, true],
    [199, false],
    [300, false],
    [305, false],
    [500, false]
  ])('%d → %s', (code, expected) => {
    expect(statusMatches(ranges, code)).toBe(expected)
  })

  it('matches nothing with no ranges', () => {
    expect(statusMatches([], 200)).toBe(false)
  })

  it('formats ranges back', () => {
    expect(formatStatusRanges(ranges)).toBe('200-299,304')
  })
})
