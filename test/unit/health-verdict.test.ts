import { describe, expect, it } from '@jest/globals'
import { judgeProbe } from '../../src/gates/health-verdict.js'
import type { ProbeReply } from '../../src/gates/http-probe.js'

const expect2xx = { statuses: [{ from: 200, to: 399 }] }

describe('judgeProbe', () => {
  const rows: Array<[string, ProbeReply, { statuses: Array<{ from: number; to: number }>; body?: RegExp }, boolean, string]> = [
    ['a 200', { status: 200, body: 'ok', durationMs: 12.4 }, expect2xx, true, '200 in 12 ms'],
    ['a redirect inside the range', { status: 302, durationMs: 3 }, expect2xx, true, '302 in 3 ms'],
    ['a 404', { status: 404, durationMs: 2 }, expect2xx, false, '404 in 2 ms (expected 200-399)'],
    ['a 503 against a list', { status: 503, durationMs: 2 }, { statuses: [{ from: 200, to: 200 }, { from: 204, to: 204 }] }, false, '503 in 2 ms (expected 200,204)'],
    ['a refused connection', { error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1', durationMs: 1 }, expect2xx, false, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1 after 1 ms'],
    ['a timeout', { error: 'no reply within 5000 ms', durationMs: 5001 }, expect2xx, false, 'no reply within 5000 ms after 5001 ms'],
    ['a body that matches', { status: 200, body: '{"status":"UP"}', durationMs: 4 }, { ...expect2xx, body: /"status":"UP"/ }, true, '200 in 4 ms'],
    ['a body that does not match', { status: 200, body: '{"status":"DOWN"}\n', durationMs: 4 }, { ...expect2xx, body: /"status":"UP"/ }, false, '200 in 4 ms, body does not match /"status":"UP"/: "{\\"status\\":\\"DOWN\\"}"']
  ]
  it.each(rows)('%s', (_name, reply, expectation, ok, detail) => {
    const verdict = judgeProbe(reply, expectation)
    expect(verdict.ok).toBe(ok)
    expect(verdict.detail).toBe(detail)
  })
})
