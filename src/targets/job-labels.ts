// What marks a pre-deploy / post-deploy job on either platform (a Swarm replicated-job service, or a
// one-off container on a plain host): the workload it runs for, its phase and the run that made it, so
// that a job left by a dead run can be found and removed. Pure.
import { createHash } from 'node:crypto'
import type { JobPhase } from '../jobs/job.js'

/** On a job: the service it runs for, its phase, and the deploy-lock token of the run that made it. */
export const JOB_OF_LABEL = 'zdd.job-of'
export const JOB_LABEL = 'zdd.job'
export const JOB_RUN_LABEL = 'zdd.job-run'

/** `<service>-<phase>-<6 hex of the run>`, within Swarm's 63 characters. */
export function jobName(service: string, phase: JobPhase, runToken: string): string {
  const suffix = `-${phase}-${createHash('sha256').update(runToken).digest('hex').slice(0, 6)}`
  return `${service.slice(0, 63 - suffix.length)}${suffix}`
}

/** The labels of a job of `service`. */
export function jobLabels(service: string, phase: JobPhase, runToken: string): Record<string, string> {
  return { [JOB_OF_LABEL]: service, [JOB_LABEL]: phase, [JOB_RUN_LABEL]: runToken }
}
