// pre-deploy and post-deploy: a command run once, to completion, from the release's image with the
// workload's own settings (env, secrets, networks, mounts, user). The platform runs it behind the
// JobRunner seam (Swarm: a replicated-job service; a plain host: a one-off container); this file runs
// one job as a step of the report, streams its log into a log group and says why it failed.
import type { JobCommand, JobConfig } from '../config/types.js'
import { describeJobCommand } from '../config/job-command.js'
import type { Log } from '../log.js'
import type { JobRecord, ReportRecorder } from '../report/report.js'
import type { Clock } from '../rollout/clock.js'

export type JobPhase = 'pre-deploy' | 'post-deploy'

export interface JobRun {
  phase: JobPhase
  command: JobCommand
  timeoutMs: number
  signal?: AbortSignal
  /** Each log line of the job, as it arrives. */
  onLine(line: string): void
}

export interface JobOutcome {
  /** The job's name on the platform. */
  name: string
  image: string
  status: JobRecord['status']
  exitCode?: number
  /** Why it did not run to an exit code, in the platform's words. */
  error?: string
}

/**
 * The platform seam. `run` starts the job from the release's image with the workload's settings and
 * the command in place of the image's ENTRYPOINT and CMD, follows it to its end (or `timeoutMs`, or
 * the signal), and ALWAYS removes what it created before it returns or throws.
 */
export interface JobRunner {
  run(job: JobRun): Promise<JobOutcome>
}

export interface JobDeps {
  log: Log
  recorder: ReportRecorder
  clock: Clock
  signal?: AbortSignal
  /** Values to mask in the log tail kept in the report (the log masks them itself). */
  secrets: readonly string[]
}

// The report and the failure reason keep the last lines of the job's log.
const TAIL_LINES = 20
const REASON_LINES = 5

/** Runs one job as a report step; resolves with the reason when it did not succeed. */
export async function runJob(runner: JobRunner, phase: JobPhase, config: JobConfig, deps: JobDeps): Promise<{ ok: boolean; reason?: string }> {
  const { log, recorder, clock } = deps
  const command = describeJobCommand(config.command)
  const record = recorder.startStep(phase)
  const started = clock.now()
  const tail: string[] = []
  return log.group(`${phase}: ${command}`, async () => {
    let outcome: JobOutcome
    try {
      outcome = await runner.run({
        phase,
        command: config.command,
        timeoutMs: config.timeoutMs,
        ...(deps.signal ? { signal: deps.signal } : {}),
        onLine: (line) => {
          log.info(`  | ${line}`)
          tail.push(maskText(line, deps.secrets))
          if (tail.length > TAIL_LINES) tail.shift()
        }
      })
    } catch (error) {
      const reason = `${phase} job could not be run: ${(error as Error).message ?? error}`
      recorder.endStep(record, 'failed', reason)
      log.error(reason)
      return { ok: false, reason }
    }
    record.job = { ...outcome, command, durationMs: clock.now() - started, logTail: tail }
    const reason = outcome.status === 'succeeded' ? undefined : jobFailureReason(phase, outcome, config.timeoutMs, tail)
    recorder.endStep(record, reason ? 'failed' : 'passed', reason)
    if (reason) log.error(reason)
    else log.info(`  ${phase} job ${outcome.name} exited with code 0 (${((clock.now() - started) / 1000).toFixed(1)}s)`)
    return reason ? { ok: false, reason } : { ok: true }
  })
}

/** Names the job, how it ended and its last log lines. Pure. */
export function jobFailureReason(phase: JobPhase, outcome: JobOutcome, timeoutMs: number, tail: readonly string[]): string {
  const job = `${phase} job ${outcome.name}`
  let how: string
  if (outcome.status === 'timed-out') how = `${job} did not finish within ${formatMs(timeoutMs)} (${phase}-timeout)${outcome.error ? `; it was ${outcome.error}` : ''}`
  else if (outcome.status === 'cancelled') how = `${job} was stopped: the run was cancelled`
  else if (outcome.exitCode !== undefined && outcome.exitCode !== 0) how = `${job} exited with code ${outcome.exitCode}`
  else how = `${job} failed: ${outcome.error ?? 'no reason given'}`
  const last = tail.slice(-REASON_LINES).map((line) => line.trim()).filter(Boolean)
  return last.length ? `${how}; last log lines: ${last.join(' | ')}` : `${how}; it logged nothing`
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** Replaces every secret value in a line with ***. */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***')
  return out
}

/**
 * Runs the configured job of `phase`, if any (ok when none is), and records its result in the report;
 * `durationMs` is the time it took, which the rollout's own timeout does not count.
 */
export async function runConfiguredJob(
  phase: JobPhase,
  config: JobConfig | undefined,
  runner: () => JobRunner,
  deps: JobDeps
): Promise<{ ok: boolean; reason?: string; durationMs: number }> {
  if (!config) return { ok: true, durationMs: 0 }
  const started = deps.clock.now()
  const result = await runJob(runner(), phase, config, deps)
  deps.recorder.report.jobs = { ...deps.recorder.report.jobs, [phase]: result.ok ? 'succeeded' : 'failed' }
  return { ...result, durationMs: deps.clock.now() - started }
}
