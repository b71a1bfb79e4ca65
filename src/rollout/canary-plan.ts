// The canary plan is data, like the rolling plan: traffic shares turned into replica counts. The
// stable service keeps all its replicas and a canary companion runs beside it, so the share a step
// really gets is canary / (stable + canary): a 10% step over 3 stable replicas is 1 canary = 25%.

export interface CanaryStep {
  kind: 'canary'
  /** 1-based position of this step. */
  index: number
  /** Number of canary steps (the promotion after them is not counted). */
  of: number
  /** The share asked for, in percent. */
  weight: number
  /** Canary replicas beside the stable ones. */
  replicas: number
  /** The share of replicas (so of traffic, with round-robin) the canary really gets, in percent. */
  share: number
  /** A `pause` follows: the run stops here, the canary keeps running, until operation promote or abort. */
  pauseAfter?: boolean
}

/** One entry of `canary-steps`: a traffic share in percent, or a manual pause. */
export type CanaryStepEntry = number | 'pause'

export interface CanaryPlan {
  strategy: 'canary'
  target: string
  /** The canary companion service. */
  canary: string
  from: string
  to: string
  /** Replicas of the stable service, kept throughout. */
  stable: number
  steps: CanaryStep[]
}

const STEPS_FORM = 'percentages above 0% and below 100% in increasing order, such as 10%,50%, with pause where the run should wait for promote'
const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)%$/

/**
 * Parses `canary-steps`: percentages separated by commas or new lines (blank entries ignored).
 * Throws an Error whose message says what is expected and which entry is wrong.
 */
export function parseCanarySteps(text: string): CanaryStepEntry[] {
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '')
  if (entries.length === 0) throw new Error(`${STEPS_FORM}; there is no step`)
  const steps: CanaryStepEntry[] = []
  let previous: number | undefined
  entries.forEach((entry, i) => {
    const at = `entry ${i + 1} (${entry})`
    if (entry.toLowerCase() === 'pause') {
      // A pause holds a running canary: there is none before the first share, and one pause is enough.
      if (previous === undefined) throw new Error(`${STEPS_FORM}; ${at} comes before any share, when no canary runs yet`)
      if (steps[steps.length - 1] === 'pause') throw new Error(`${STEPS_FORM}; ${at} follows another pause`)
      steps.push('pause')
      return
    }
    const match = PERCENT.exec(entry.replace(/\s+%$/, '%'))
    if (!match) throw new Error(`${STEPS_FORM}; ${at} is not a percentage or pause`)
    const weight = Number(match[1])
    if (weight <= 0) throw new Error(`${STEPS_FORM}; ${at} is not above 0%`)
    // 100% is not a step: promotion follows the last step anyway.
    if (weight >= 100) throw new Error(`${STEPS_FORM}; ${at} is not below 100% (promotion follows the last step)`)
    if (previous !== undefined && weight <= previous) throw new Error(`${STEPS_FORM}; ${at} is not above the step before it (${previous}%)`)
    steps.push(weight)
    previous = weight
  })
  return steps
}

/** `canary-steps` as written back (stored on a paused canary so that promote resumes the same plan). */
export function formatCanarySteps(steps: readonly CanaryStepEntry[]): string {
  return steps.map((s) => (s === 'pause' ? 'pause' : `${s}%`)).join(',')
}

/** The canary's share of all replicas, in percent (0 when there are none). */
export function realisedShare(canary: number, stable: number): number {
  const total = canary + stable
  return total <= 0 ? 0 : (100 * canary) / total
}

/**
 * The fewest canary replicas (at least 1) whose share beside `stable` replicas reaches the weight:
 * c ≥ weight·stable / (100 − weight). Checked with realisedShare itself so that rounding cannot
 * make the answer disagree with the share reported.
 */
export function canaryReplicas(weightPercent: number, stable: number): number {
  const s = Math.max(0, stable)
  if (!(weightPercent > 0)) return 1
  if (weightPercent >= 100) throw new Error(`a canary weight must be below 100%, got ${weightPercent}%`)
  let c = Math.max(1, Math.ceil((weightPercent * s) / (100 - weightPercent)))
  while (c > 1 && realisedShare(c - 1, s) >= weightPercent) c--
  while (realisedShare(c, s) < weightPercent) c++
  return c
}

export function planCanary(args: { target: string; canary: string; from: string; to: string; stable: number; steps: readonly CanaryStepEntry[] }): CanaryPlan {
  const weights = args.steps.filter((s): s is number => s !== 'pause')
  const of = weights.length
  const pausedAfter = new Set(args.steps.flatMap((s, i) => (s === 'pause' ? [args.steps.slice(0, i).filter((w) => w !== 'pause').length] : [])))
  return {
    strategy: 'canary',
    target: args.target,
    canary: args.canary,
    from: args.from,
    to: args.to,
    stable: args.stable,
    // Two steps with the same replica count stay two steps: each is analysed again.
    steps: weights.map((weight, i) => {
      const replicas = canaryReplicas(weight, args.stable)
      const step: CanaryStep = { kind: 'canary', index: i + 1, of, weight, replicas, share: realisedShare(replicas, args.stable) }
      if (pausedAfter.has(i + 1)) step.pauseAfter = true
      return step
    })
  }
}

/** A percentage for a log line: at most one decimal (16.7%, 25%). */
export function formatPercent(value: number): string {
  return `${Number(value.toFixed(1))}%`
}

/** Human-readable lines for logs and dry-run. */
export function describeCanaryPlan(plan: CanaryPlan): string[] {
  const lines = [
    `Canary of ${plan.target}: ${plan.steps.length} step(s) with ${plan.canary} beside ${plan.stable} stable replica(s), then promotion`,
    `  from ${plan.from}`,
    `  to   ${plan.to}`
  ]
  for (const step of plan.steps) {
    lines.push(
      `  ${step.index}. canary ${formatPercent(step.weight)} → ${step.replicas} replica(s) beside ${plan.stable} stable = ${formatPercent(step.share)} of traffic, then analyse`
    )
    if (step.pauseAfter) lines.push(`     then pause: the canary keeps running until operation promote (or abort)`)
  }
  lines.push(`  ${plan.steps.length + 1}. promote: roll ${plan.target} to the new release, then remove ${plan.canary}`)
  return lines
}
