// The plan is data: a pure function of the target's current size and the configuration.
// It can be printed (dry-run), stored in the report and compared in tests.
import type { BatchSize } from '../config/types.js'

export interface BatchStep {
  kind: 'batch'
  /** How the step is named in the log and report; default `batch <index>/<of>`. */
  name?: string
  /** This step's own monitor window, instead of the run's (e.g. the last wave of a blue-green switch). */
  monitorMs?: number
  /** 1-based position of this batch. */
  index: number
  /** Number of batches in the plan. */
  of: number
  /** Replicas replaced in this batch. */
  size: number
  /** Replicas on the new release once this batch is done. */
  newReplicas: number
  /** Replicas in the workload. */
  total: number
}

export interface RolloutPlan {
  strategy: 'rolling'
  target: string
  from: string
  to: string
  total: number
  batchSize: number
  steps: BatchStep[]
}

/** Resolves a count or a percentage against the workload's size: at least 1, at most total. */
export function resolveBatchSize(batch: BatchSize, total: number): number {
  const raw = batch.kind === 'count' ? batch.value : Math.ceil((total * batch.value) / 100)
  return Math.max(1, Math.min(raw, Math.max(total, 1)))
}

/** Splits `total` replicas into batches of `size`; the last batch takes the remainder. */
export function planBatches(total: number, size: number): BatchStep[] {
  if (total <= 0) return []
  const of = Math.ceil(total / size)
  const steps: BatchStep[] = []
  for (let index = 1; index <= of; index++) {
    const newReplicas = Math.min(index * size, total)
    steps.push({ kind: 'batch', index, of, size: newReplicas - (index - 1) * size, newReplicas, total })
  }
  return steps
}

export function planRolling(args: { target: string; from: string; to: string; total: number; batch: BatchSize }): RolloutPlan {
  const batchSize = resolveBatchSize(args.batch, args.total)
  return {
    strategy: 'rolling',
    target: args.target,
    from: args.from,
    to: args.to,
    total: args.total,
    batchSize,
    steps: planBatches(args.total, batchSize)
  }
}

/** Human-readable lines for logs and dry-run. */
export function describePlan(plan: RolloutPlan): string[] {
  const lines = [
    `Rolling update of ${plan.target}: ${plan.total} replica(s) in ${plan.steps.length} batch(es) of up to ${plan.batchSize}`,
    `  from ${plan.from}`,
    `  to   ${plan.to}`
  ]
  for (const step of plan.steps) {
    lines.push(`  ${step.index}. replace ${step.size} replica(s) (start-first) → ${step.newReplicas}/${step.total} on the new release, then gate`)
  }
  return lines
}
