import { describe, expect, it } from '@jest/globals'
import type { Report } from '../../src/report/report.js'
import { renderSummary } from '../../src/report/summary.js'

const base: Report = {
  tool: 'zero-downtime-deploy',
  startedAt: '2026-11-25T10:00:00.000Z',
  endedAt: '2026-11-25T10:00:42.500Z',
  target: { kind: 'swarm', name: 'api', facts: {} },
  image: 'reg/app@sha256:bbb',
  previousImage: 'reg/app:1@sha256:aaa',
  steps: [],
  failureLogs: [],
  warnings: []
}

describe('renderSummary', () => {
  it('puts the result first and shows a timeline with the measured values', () => {
    const md = renderSummary({
      ...base,
      result: 'rolled-back',
      reason: 'Batch 1/2: health gate failed while monitoring: 404 in 2 ms (expected 200-399)',
      steps: [
        {
          name: 'batch 1/2', startedAt: '2026-11-25T10:00:05.000Z', endedAt: '2026-11-25T10:00:12.000Z', outcome: 'failed',
          replicas: '1/2 ready, 1 on other releases', reason: 'health gate failed while monitoring: 404 in 2 ms (expected 200-399)',
          probes: [
            { at: '2026-11-25T10:00:09.000Z', ok: true, status: 200, durationMs: 7, detail: '200 in 7 ms' },
            { at: '2026-11-25T10:00:10.000Z', ok: false, status: 404, durationMs: 2, detail: '404 in 2 ms (expected 200-399)' }
          ],
          measurements: [],
          events: []
        },
        { name: 'revert', startedAt: '2026-11-25T10:00:12.000Z', endedAt: '2026-11-25T10:00:20.000Z', outcome: 'converged', replicas: '2/2 ready', probes: [], measurements: [], events: [] }
      ],
      failureLogs: ['task abc (slot 1) failed: boom', '  | panic: boom']
    })
    expect(md.split('\n')).toEqual([
      '### ↩️ Rolled back api → `reg/app@sha256:bbb`',
      '',
      '**Why:** Batch 1/2: health gate failed while monitoring: 404 in 2 ms (expected 200-399)',
      '',
      '| | |',
      '|---|---|',
      '| Release | `reg/app@sha256:bbb` |',
      '| Previous release | `reg/app:1@sha256:aaa` |',
      '| Duration | 42.5s |',
      '',
      '| Step | Started | Took | Replicas | Health probes | Outcome |',
      '|---|---|---|---|---|---|',
      '| batch 1/2 | 10:00:05 | 7.0s | 1/2 ready, 1 on other releases | 1/2 ok, slowest 7 ms; last: 404 in 2 ms (expected 200-399) | failed: health gate failed while monitoring: 404 in 2 ms (expected 200-399) |',
      '| revert | 10:00:12 | 8.0s | 2/2 ready | – | converged |',
      '',
      '<details><summary>Failing replicas: last log lines</summary>',
      '',
      '```',
      'task abc (slot 1) failed: boom',
      '  | panic: boom',
      '```',
      '</details>',
      ''
    ])
  })

  it('says a dry run is a plan', () => {
    expect(renderSummary({ ...base, result: 'planned' }).split('\n')[0]).toBe('### 📝 Planned (dry run) api → `reg/app@sha256:bbb`')
  })

  it('escapes table separators in measured values', () => {
    const md = renderSummary({
      ...base, result: 'failed',
      steps: [{ name: 'batch 1/1', startedAt: base.startedAt, outcome: 'failed', reason: 'body does not match /a|b/', probes: [], measurements: [], events: [] }]
    })
    expect(md).toContain('failed: body does not match /a\\|b/')
  })
})

describe('renderSummary of a canary', () => {
  it('states the realised shares and lists every metric reading with its values', () => {
    const md = renderSummary({
      ...base,
      result: 'rolled-back',
      reason: 'Canary 1/2: metric analysis failed',
      plan: {
        strategy: 'canary', target: 'api', canary: 'api-canary', from: 'a', to: 'b', stable: 3,
        steps: [
          { kind: 'canary', index: 1, of: 2, weight: 10, replicas: 1, share: 25 },
          { kind: 'canary', index: 2, of: 2, weight: 50, replicas: 3, share: 50 }
        ]
      },
      steps: [
        {
          name: 'canary 1/2', startedAt: '2026-11-25T10:00:05.000Z', endedAt: '2026-11-25T10:00:12.000Z', outcome: 'failed', probes: [],
          measurements: [
            { at: '2026-11-25T10:00:08.000Z', phase: 'successful', values: { result: 0.004 }, detail: 'result = 0.0040' },
            { at: '2026-11-25T10:00:10.000Z', phase: 'failed', values: { result: 0.123456, 'result{server="b"}': NaN }, detail: 'result = 0.1235' }
          ],
          events: []
        }
      ]
    })
    expect(md).toContain('| Strategy | canary api-canary beside 3 stable: 10% (1 = 25.0%) → 50% (3 = 50.0%), then promote |')
    expect(md).toContain(
      [
        '| Step | Metric reading at | Verdict | Measured |',
        '|---|---|---|---|',
        '| canary 1/2 | 10:00:08 | successful | result = 0.004 |',
        '| canary 1/2 | 10:00:10 | failed | result = 0.1235<br>result{server="b"} = NaN |'
      ].join('\n')
    )
  })
})

describe('renderSummary of a release with jobs and an env change', () => {
  it('shows the env/labels diff as the report has it (secrets masked), the jobs and their last log lines', () => {
    const md = renderSummary({
      ...base,
      result: 'succeeded',
      config: {
        env: { added: [{ key: 'FEATURE_CHECKOUT_V2', value: 'on' }], changed: [{ key: 'DB_PASSWORD', from: '***', to: '***' }], removed: [{ key: 'LEGACY', value: 'a|b' }] },
        labels: { added: [{ key: 'com.example.toggle', value: '' }], changed: [], removed: [] }
      },
      jobs: { 'pre-deploy': 'succeeded', 'post-deploy': 'failed' },
      steps: [
        {
          name: 'pre-deploy', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:04.500Z', outcome: 'passed', probes: [], measurements: [], events: [],
          job: { name: 'api-pre-deploy-1a2b3c', image: 'reg/app@sha256:bbb', command: './migrate up', status: 'succeeded', exitCode: 0, durationMs: 3500, logTail: ['migrated 2 tables'] }
        },
        { name: 'batch 1/1', startedAt: '2026-11-25T10:00:05.000Z', endedAt: '2026-11-25T10:00:12.000Z', outcome: 'passed', replicas: '1/1 ready', probes: [], measurements: [], events: [] },
        {
          name: 'post-deploy', startedAt: '2026-11-25T10:00:13.000Z', endedAt: '2026-11-25T10:00:14.000Z', outcome: 'failed', reason: 'post-deploy job api-post-deploy-1a2b3c exited with code 1; last log lines: no', probes: [], measurements: [], events: [],
          job: { name: 'api-post-deploy-1a2b3c', image: 'reg/app@sha256:bbb', command: '["./migrate","contract"]', status: 'failed', exitCode: 1, durationMs: 1000, logTail: ['no'] }
        }
      ],
      warnings: ['post-deploy failed: …']
    })
    expect(md.split('\n')).toEqual([
      '### ✅ Deployed api → `reg/app@sha256:bbb`',
      '',
      '| | |',
      '|---|---|',
      '| Release | `reg/app@sha256:bbb` |',
      '| Previous release | `reg/app:1@sha256:aaa` |',
      '| Jobs | pre-deploy succeeded, post-deploy failed |',
      '| Duration | 42.5s |',
      '',
      '| Config change | Key | Before | After |',
      '|---|---|---|---|',
      '| env | `FEATURE_CHECKOUT_V2` | – | `on` |',
      '| env | `DB_PASSWORD` | `***` | `***` |',
      '| env | `LEGACY` | `a\\|b` | removed |',
      '| labels | `com.example.toggle` | – | (empty) |',
      '',
      '| Step | Started | Took | Replicas | Health probes | Outcome |',
      '|---|---|---|---|---|---|',
      '| pre-deploy | 10:00:01 | 3.5s | – | – | passed (exit 0) |',
      '| batch 1/1 | 10:00:05 | 7.0s | 1/1 ready | – | passed |',
      '| post-deploy | 10:00:13 | 1.0s | – | – | failed (exit 1): post-deploy job api-post-deploy-1a2b3c exited with code 1; last log lines: no |',
      '',
      '<details><summary>pre-deploy job api-pre-deploy-1a2b3c: exit code 0, 3.5s, last log lines</summary>',
      '',
      '```',
      '$ ./migrate up',
      'migrated 2 tables',
      '```',
      '</details>',
      '',
      '<details><summary>post-deploy job api-post-deploy-1a2b3c: exit code 1, 1.0s, last log lines</summary>',
      '',
      '```',
      '$ ["./migrate","contract"]',
      'no',
      '```',
      '</details>',
      '',
      '> ⚠️ post-deploy failed: …',
      ''
    ])
  })
})
