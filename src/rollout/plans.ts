// Any of the three plans, and how each is printed (dry-run, the log, the job summary).
import { describeBlueGreenPlan, type BlueGreenPlan } from './blue-green-plan.js'
import { describeCanaryPlan, type CanaryPlan } from './canary-plan.js'
import { describePlan, type RolloutPlan } from './plan.js'

export type AnyPlan = RolloutPlan | CanaryPlan | BlueGreenPlan

export function describeAnyPlan(plan: AnyPlan): string[] {
  if (plan.strategy === 'canary') return describeCanaryPlan(plan)
  if (plan.strategy === 'blue-green') return describeBlueGreenPlan(plan)
  return describePlan(plan)
}
