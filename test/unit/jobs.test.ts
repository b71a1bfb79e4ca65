// pre-deploy / post-deploy: the command forms, the Swarm job spec, reading a job task's state and log,
// and the failure reason a person reads.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import { describeJobCommand, jobArgv, parseJobCommand } from '../../src/config/job-command.js'
import { jobFailureReason, maskText, runConfiguredJob, type JobOutcome, type JobRun, type JobRunner } from '../../src/jobs/job.js'
import { MemoryLog } from '../../src/log.js'
import { ReportRecorder } from '../../src/report/report.js'
import { LogCursor, timestampNs } from '../../src/targets/log-cursor.js'
import { jobName, jobSpec, jobTaskState } from '../../src/targets/swarm-job.js'
import type { SwarmTask } from '../../src/targets/swarm-tasks.js'

const TOKEN = '5b0c3f0e-0d6e-4c43-9a53-1f2b7e8d9a10'

describe('job commands', () => {
  it.each<[string, string[], string]>([
    ['./migrate up', ['/bin/sh', '-c', './migrate up'], './migrate up'],
    ['  echo "a b" && exit 3\n', ['/bin/sh', '-c', 'echo "a b" && exit 3'], 'echo "a b" && exit 3'],
    ['["./migrate", "up", "--to", "a b"]', ['./migrate', 'up', '--to', 'a b'], '["./migrate","up","--to","a b"]']
  ])('%j runs as %j', (text, argv, shown) => {
    const command = parseJobCommand('pre-deploy', text)
    expect(command && jobArgv(command)).toEqual(argv)
    expect(command && describeJobCommand(command)).toBe(shown)
  })

  it('is undefined when empty', () => {
    expect(parseJobCommand('pre-deploy', '  \n')).toBeUndefined()
  })
})

const release = (): Docker.ServiceSpec => ({
  Name: 'api',
  Labels: { 'traefik.enable': 'true', 'zdd.previous-image': 'x' },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'reg/app:v2@sha256:' + 'b'.repeat(64),
      Args: ['serve'],
      Env: ['DB_URL=postgres://db/app', 'FEATURE=on'],
      User: 'app',
      Dir: '/srv',
      Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }],
      Secrets: [{ File: { Name: 'db', UID: '0', GID: '0', Mode: 292 }, SecretID: 's1', SecretName: 'db_password' }],
      HealthCheck: { Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/health'], Interval: 1e9 },
      Labels: { team: 'web', 'zdd.release': '0123456789ab' }
    },
    Networks: [{ Target: 'backend', Aliases: ['api', 'db-client'] }],
    Placement: { Constraints: ['node.role==worker'] },
    RestartPolicy: { Condition: 'any' },
    ForceUpdate: 3
  } as Docker.ContainerTaskSpec,
  Mode: { Replicated: { Replicas: 3 } },
  EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
  UpdateConfig: { Parallelism: 1, Order: 'start-first' }
})

describe('jobSpec', () => {
  it('clones the task template with the command, one run and no restart, health check, aliases, ports or service labels', () => {
    const spec = jobSpec(release(), 'api', 'pre-deploy', { kind: 'exec', argv: ['./migrate', 'up'] }, TOKEN)
    const base = release().TaskTemplate as Docker.ContainerTaskSpec
    expect(spec).toEqual({
      Name: jobName('api', 'pre-deploy', TOKEN),
      Labels: { 'zdd.job-of': 'api', 'zdd.job': 'pre-deploy', 'zdd.job-run': TOKEN },
      TaskTemplate: {
        ContainerSpec: {
          Image: base.ContainerSpec?.Image,
          Command: ['./migrate', 'up'],
          Env: ['DB_URL=postgres://db/app', 'FEATURE=on'],
          User: 'app',
          Dir: '/srv',
          Mounts: base.ContainerSpec?.Mounts,
          Secrets: base.ContainerSpec?.Secrets,
          HealthCheck: { Test: ['NONE'] },
          Labels: { team: 'web', 'zdd.release': '0123456789ab' }
        },
        Networks: [{ Target: 'backend' }],
        Placement: { Constraints: ['node.role==worker'] },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 }
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
      EndpointSpec: { Mode: 'dnsrr' }
    })
  })

  it('runs a shell string with /bin/sh -c', () => {
    const spec = jobSpec(release(), 'api', 'post-deploy', { kind: 'shell', script: './migrate contract' }, TOKEN)
    expect((spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Command).toEqual(['/bin/sh', '-c', './migrate contract'])
  })

  it.each([
    ['api', 'pre-deploy', /^api-pre-deploy-[0-9a-f]{6}$/],
    ['a'.repeat(63), 'post-deploy', new RegExp(`^${'a'.repeat(44)}-post-deploy-[0-9a-f]{6}$`)]
  ] as const)('names the job of %s within 63 characters', (service, phase, name) => {
    const made = jobName(service, phase, TOKEN)
    expect(made).toMatch(name)
    expect(made.length).toBeLessThanOrEqual(63)
    expect(jobName(service, phase, TOKEN)).toBe(made)
    expect(jobName(service, phase, 'another run')).not.toBe(made)
  })
})

describe('jobTaskState', () => {
  const task = (State: string, extra: Partial<NonNullable<SwarmTask['Status']>> = {}): SwarmTask => ({ ID: 't1', Status: { State, ...extra } })
  it.each<[string, SwarmTask | undefined, ReturnType<typeof jobTaskState>]>([
    ['no task yet', undefined, { phase: 'waiting', detail: 'no task yet' }],
    ['pending without a node', task('pending', { Err: 'no suitable node (scheduling constraints not satisfied on 1 node)' }), { phase: 'waiting', detail: 'pending (no suitable node (scheduling constraints not satisfied on 1 node))' }],
    ['preparing', task('preparing', { Message: 'preparing' }), { phase: 'waiting', detail: 'preparing (preparing)' }],
    ['running', task('running'), { phase: 'running' }],
    ['complete', task('complete', { ContainerStatus: { ExitCode: 0 } }), { phase: 'done', ok: true, exitCode: 0 }],
    ['non-zero exit', task('failed', { Err: 'task: non-zero exit (3)', ContainerStatus: { ExitCode: 3 } }), { phase: 'done', ok: false, exitCode: 3 }],
    [
      'no such command',
      task('failed', { Err: 'starting container failed: exec: "/no/such": stat /no/such: no such file or directory: unknown', ContainerStatus: { ExitCode: 128 } }),
      { phase: 'done', ok: false, error: 'task failed: starting container failed: exec: "/no/such": stat /no/such: no such file or directory: unknown' }
    ],
    ['image not pullable', task('rejected', { Err: 'No such image: reg/app:nope' }), { phase: 'done', ok: false, error: 'task rejected: No such image: reg/app:nope' }]
  ])('%s', (_title, t, state) => {
    expect(jobTaskState(t)).toEqual(state)
  })
})

describe('LogCursor', () => {
  it('reads nanosecond timestamps', () => {
    expect(timestampNs('2026-11-25T10:10:54', '210490915')).toBe(1795601454210490915n)
    expect(timestampNs('2026-11-25T10:10:54', '2')).toBe(1795601454200000000n)
    expect(timestampNs('2026-11-25T10:10:54')).toBe(1795601454000000000n)
  })

  it('passes each line once across overlapping reads, in time order, and asks from a little before the last one', () => {
    const cursor = new LogCursor()
    expect(cursor.since()).toBe('0')
    // stderr's line came first in the read, though it was written after stdout's.
    expect(cursor.take(['2026-11-25T10:10:54.2Z boom', '2026-11-25T10:10:54.1Z starting', '2026-11-25T10:10:54.2Z line 2b'])).toEqual(['starting', 'boom', 'line 2b'])
    expect(cursor.since()).toBe('1795601452.200000000')
    // The next read reaches back: lines passed on already are dropped, a late one of the other stream is not.
    expect(cursor.take(['2026-11-25T10:10:54.1Z starting', '2026-11-25T10:10:54.15Z late stderr', '2026-11-25T10:10:54.2Z boom', '2026-11-25T10:10:55.000000001Z line 3'])).toEqual(['late stderr', 'line 3'])
    expect(cursor.since()).toBe('1795601453.000000001')
    expect(cursor.take(['2026-11-25T10:10:54.2Z boom', '2026-11-25T10:10:55.000000001Z line 3'])).toEqual([])
    // Older than the window asked for: passed on long ago and forgotten.
    expect(cursor.take(['2026-11-25T10:10:50Z ancient'])).toEqual([])
    expect(cursor.take(['no timestamp'])).toEqual(['no timestamp'])
  })
})

describe('the failure reason', () => {
  const outcome = (extra: Partial<JobOutcome>): JobOutcome => ({ name: 'api-pre-deploy-1a2b3c', image: 'reg/app:v2@sha256:b', status: 'failed', ...extra })
  it.each<[string, JobOutcome, string[], string]>([
    ['non-zero exit', outcome({ exitCode: 3 }), ['a', ' ', 'b', 'c', 'd', 'e', 'f  '], 'pre-deploy job api-pre-deploy-1a2b3c exited with code 3; last log lines: b | c | d | e | f'],
    ['could not start', outcome({ error: 'task rejected: No such image: reg/app:nope' }), [], 'pre-deploy job api-pre-deploy-1a2b3c failed: task rejected: No such image: reg/app:nope; it logged nothing'],
    ['timed out while running', outcome({ status: 'timed-out', error: 'still running' }), ['waiting'], 'pre-deploy job api-pre-deploy-1a2b3c did not finish within 10m (pre-deploy-timeout); it was still running; last log lines: waiting'],
    ['timed out before it started', outcome({ status: 'timed-out', error: 'still pending (no suitable node)' }), [], 'pre-deploy job api-pre-deploy-1a2b3c did not finish within 10m (pre-deploy-timeout); it was still pending (no suitable node); it logged nothing'],
    ['cancelled', outcome({ status: 'cancelled' }), [], 'pre-deploy job api-pre-deploy-1a2b3c was stopped: the run was cancelled; it logged nothing']
  ])('%s', (_title, o, tail, reason) => {
    expect(jobFailureReason('pre-deploy', o, 600_000, tail)).toBe(reason)
  })

  it('masks secrets in text', () => {
    expect(maskText('connecting to postgres://app:hunter2-x@db with hunter2-x', ['hunter2-x', 'ab'])).toBe('connecting to postgres://app:***@db with ***')
  })
})

/** A runner that plays a scripted job: its lines, then its outcome. */
class ScriptedRunner implements JobRunner {
  runs: JobRun[] = []
  constructor(private readonly lines: string[], private readonly outcome: JobOutcome) {}
  async run(job: JobRun): Promise<JobOutcome> {
    this.runs.push(job)
    for (const line of this.lines) job.onLine(line)
    return this.outcome
  }
}

describe('runConfiguredJob', () => {
  const clock = { now: () => 1_000, sleep: async () => undefined }

  it('does nothing without a command', async () => {
    const recorder = new ReportRecorder(clock.now)
    expect(await runConfiguredJob('post-deploy', undefined, () => new ScriptedRunner([], { name: 'x', image: 'i', status: 'succeeded' }), { log: new MemoryLog(), recorder, clock, secrets: [] })).toEqual({ ok: true, durationMs: 0 })
    expect(recorder.report.steps).toEqual([])
    expect(recorder.report.jobs).toBeUndefined()
  })

  it('streams the log into a group, records the step with its exit code and masked tail, and says why it failed', async () => {
    const recorder = new ReportRecorder(clock.now)
    const log = new MemoryLog()
    const runner = new ScriptedRunner(['migrating', 'password hunter2-x', 'boom'], { name: 'api-pre-deploy-1a2b3c', image: 'reg/app:v2', status: 'failed', exitCode: 2 })
    const result = await runConfiguredJob('pre-deploy', { command: { kind: 'shell', script: './migrate' }, timeoutMs: 60_000 }, () => runner, { log, recorder, clock, secrets: ['hunter2-x'] })
    const reason = 'pre-deploy job api-pre-deploy-1a2b3c exited with code 2; last log lines: migrating | password *** | boom'
    expect(result).toEqual({ ok: false, reason, durationMs: 0 })
    expect(runner.runs.map((r) => [r.phase, r.command, r.timeoutMs])).toEqual([['pre-deploy', { kind: 'shell', script: './migrate' }, 60_000]])
    expect(log.lines).toEqual(['[group] pre-deploy: ./migrate', '  | migrating', '  | password hunter2-x', '  | boom', `error: ${reason}`, '[endgroup]'])
    expect(recorder.report.jobs).toEqual({ 'pre-deploy': 'failed' })
    expect(recorder.report.steps).toMatchObject([
      {
        name: 'pre-deploy', outcome: 'failed', reason,
        job: { name: 'api-pre-deploy-1a2b3c', image: 'reg/app:v2', command: './migrate', status: 'failed', exitCode: 2, durationMs: 0, logTail: ['migrating', 'password ***', 'boom'] }
      }
    ])
  })
})
