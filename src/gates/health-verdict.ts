// Pure judgement of one health probe reply against the expected status and body.
import { statusMatches } from '../config/status-ranges.js'
import type { StatusRange } from '../config/types.js'
import type { ProbeReply } from './http-probe.js'

export interface ProbeVerdict {
  ok: boolean
  /** What was seen, for logs and the report: "200 in 12 ms", "503 in 4 ms (expected 200-399)". */
  detail: string
  status?: number
  durationMs: number
}

export interface HealthExpectation {
  statuses: StatusRange[]
  body?: RegExp
}

export function formatRanges(ranges: StatusRange[]): string {
  return ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',')
}

export function judgeProbe(reply: ProbeReply, expect: HealthExpectation): ProbeVerdict {
  const took = `${Math.round(reply.durationMs)} ms`
  if (reply.status === undefined) {
    return { ok: false, detail: `${reply.error ?? 'no reply'} after ${took}`, durationMs: reply.durationMs }
  }
  const base = { status: reply.status, durationMs: reply.durationMs }
  if (!statusMatches(expect.statuses, reply.status)) {
    return { ...base, ok: false, detail: `${reply.status} in ${took} (expected ${formatRanges(expect.statuses)})` }
  }
  if (expect.body && !expect.body.test(reply.body ?? '')) {
    return { ...base, ok: false, detail: `${reply.status} in ${took}, body does not match /${expect.body.source}/: ${snippet(reply.body)}` }
  }
  return { ...base, ok: true, detail: `${reply.status} in ${took}` }
}

function snippet(body: string | undefined): string {
  const text = (body ?? '').replace(/\s+/g, ' ').trim()
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}
