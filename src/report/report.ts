// The report of one run: every step with timestamps, the replicas it saw and every measured value.
// The job summary, the outputs and the CLI output are views of it; it is also written as JSON.
import type { MeasurementPhase } from '../analysis/types.js'
import type { ConfigDiff } from '../release/config-change.js'
import type { AnyPlan } from '../rollout/plans.js'

export type Result = 'succeeded' | 'rolled-back' | 'failed' | 'planned' | 'paused'

export interface ProbeRecord {
  at: string
  ok: boolean
  status?: number
  durationMs: number
  detail: string
}

export interface MeasurementRecord {
  at: string
  phase: MeasurementPhase
  values: Record<string, number>
  detail: string
}

export interface StepRecord {
  name: string
  startedAt: string
  endedAt?: string
  outcome?: 'passed' | 'failed' | 'converged' | 'not converged'
  /** The last replica count seen, e.g. "2/3 ready, 1 on other releases". */
  replicas?: string
  reason?: string
  probes: ProbeRecord[]
  /** Every reading of the metric gate, with the values measured. */
  measurements: MeasurementRecord[]
  /** Notable changes seen while the step ran (phases, replica counts), with times. */
  events: Array<{ at: string; message: string }>
  /** A pre-deploy or post-deploy step: the one-off job that ran. */
  job?: JobRecord
}

export interface JobRecord {
  /** The job's name on the target (a Swarm replicated-job service), removed afterwards. */
  name: string
  image: string
  command: string
  status: 'succeeded' | 'failed' | 'timed-out' | 'cancelled'
  exitCode?: number
  /** Why it did not run to an exit code (image pull, no such command, the state it was stuck in). */
  error?: string
  durationMs: number
  /** Its last log lines (values of secret-looking env keys masked). */
  logTail: string[]
}

/** What happened to a configured pre-deploy or post-deploy job: ran and passed or failed, or never ran. */
export type JobResult = 'succeeded' | 'failed' | 'skipped'

export interface Report {
  tool: 'zero-downtime-deploy'
  startedAt: string
  endedAt?: string
  result?: Result
  reason?: string
  target?: { kind: 'swarm' | 'docker'; name: string; facts: Record<string, string> }
  image?: string
  digest?: string
  previousImage?: string
  plan?: AnyPlan
  build?: { tags: string[]; imageId?: string; pushed: boolean; durationMs: number }
  /** The env/labels change of the release (secret values masked), when it has one. */
  config?: ConfigDiff
  /** The outcome of each configured job (pre-deploy, post-deploy). */
  jobs?: { 'pre-deploy'?: JobResult; 'post-deploy'?: JobResult }
  steps: StepRecord[]
  /** Last lines of the failing replicas' logs and task errors, when something failed. */
  failureLogs: string[]
  warnings: string[]
}

export class ReportRecorder {
  readonly report: Report
  constructor(private readonly now: () => number) {
    this.report = { tool: 'zero-downtime-deploy', startedAt: iso(now()), steps: [], failureLogs: [], warnings: [] }
  }

  startStep(name: string): StepRecord {
    const step: StepRecord = { name, startedAt: iso(this.now()), probes: [], measurements: [], events: [] }
    this.report.steps.push(step)
    return step
  }

  event(step: StepRecord, message: string): void {
    step.events.push({ at: iso(this.now()), message })
  }

  endStep(step: StepRecord, outcome: StepRecord['outcome'], reason?: string): void {
    step.endedAt = iso(this.now())
    step.outcome = outcome
    if (reason) step.reason = reason
  }

  finish(result: Result, reason?: string): Report {
    this.report.endedAt = iso(this.now())
    this.report.result = result
    if (reason) this.report.reason = reason
    return this.report
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/** Milliseconds between two ISO times, or undefined while the second is missing. */
export function elapsedMs(from: string, to?: string): number | undefined {
  return to ? Date.parse(to) - Date.parse(from) : undefined
}
