// Blue-green as data: the full new set beside the old one under a preview name, gated, then one switch.
// Pure, like plan.ts: printed by dry-run, kept in the report.

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
    `  2. switch: replace the tasks of ${plan.target} with the verified release ${plan.replicas > 1 ? 'in two waves (half, then the rest)' : 'in one wave'}, start-first, then watch it for ${delay}`,
    `  3. remove ${plan.preview}`
  ]
}
