// Blue-green as data: the full new set beside the old one under a preview name, gated, then one switch.
// Pure, like plan.ts: printed by dry-run, kept in the report.
import { planRolling, type RolloutPlan } from './plan.js'

export interface BlueGreenPlan {
  strategy: 'blue-green'
  target: string
  /** The companion service that runs the new release before the switch. */
  preview: string
  from: string
  to: string
  replicas: number
  /** How long the switched service is watched before the preview is removed. */
  scaleDownDelayMs: number
  /** Plain containers: the preview's containers take the service's alias in one step (Swarm: two waves). */
  switchBy?: 'alias'
}

export const PREVIEW_SUFFIX = '-preview'

export function planBlueGreen(args: Omit<BlueGreenPlan, 'strategy' | 'preview'>): BlueGreenPlan {
  return { strategy: 'blue-green', preview: `${args.target}${PREVIEW_SUFFIX}`, ...args }
}

/** A preview answers on its own names only: every alias of the service, suffixed. */
export function previewAliases(aliases: readonly string[] | undefined): string[] {
  return (aliases ?? []).map((alias) => `${alias}${PREVIEW_SUFFIX}`)
}

export function describeBlueGreenPlan(plan: BlueGreenPlan): string[] {
  const delay = plan.scaleDownDelayMs % 1000 === 0 ? `${plan.scaleDownDelayMs / 1000}s` : `${plan.scaleDownDelayMs} ms`
  return [
    `Blue-green of ${plan.target}: ${plan.replicas} replica(s)`,
    `  from ${plan.from}`,
    `  to   ${plan.to}`,
    `  1. start ${plan.replicas} replica(s) of the new release as ${plan.preview} (preview names only), then gate them`,
    plan.switchBy === 'alias'
      ? `  2. switch: the preview's containers join the alias of ${plan.target} and the old ones are drained, in one step, then watched for ${delay} (the old ones kept stopped until then)`
      : `  2. switch: replace the tasks of ${plan.target} with the verified release ${plan.replicas > 1 ? 'in two waves (half, then the rest)' : 'in one wave'}, start-first, then watch it for ${delay}`,
    plan.switchBy === 'alias' ? `  3. remove the old containers` : `  3. remove ${plan.preview}`
  ]
}

/**
 * The switch on Swarm: Swarm stops each old task the moment its replacement runs, and a proxy that finds
 * tasks through DNS learns of the new ones only at its next resolve. Replacing every task at once would
 * leave such a proxy with nothing to send to for that moment, so the verified release goes in as two
 * waves (half, then the rest), each start-first; the last wave is watched for scale-down-delay.
 */
export function switchInWaves(plan: BlueGreenPlan): RolloutPlan {
  const waves = planRolling({ target: plan.target, from: plan.from, to: plan.to, total: plan.replicas, batch: { kind: 'percent', value: 50 } })
  waves.steps = waves.steps.map((step) => ({
    ...step,
    name: `switch ${step.index}/${step.of}`,
    ...(step.index === step.of ? { monitorMs: plan.scaleDownDelayMs } : {})
  }))
  return waves
}

/**
 * The switch where the preview's replicas become the service's (plain containers): one step that moves
 * the main alias to the whole verified set while the old set is drained, watched for scale-down-delay.
 */
export function switchInOneStep(plan: BlueGreenPlan): RolloutPlan {
  const n = plan.replicas
  return {
    strategy: 'rolling',
    target: plan.target,
    from: plan.from,
    to: plan.to,
    total: n,
    batchSize: n,
    steps: [{ kind: 'batch', name: 'switch 1/1', index: 1, of: 1, size: n, newReplicas: n, total: n, monitorMs: plan.scaleDownDelayMs }]
  }
}
