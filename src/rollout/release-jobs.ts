// pre-deploy and post-deploy around a rollout: the job runs from the release (the workload's settings
// with the new image and env/labels) under the run's deploy lock, on whatever platform the run is on.
import type { Config } from '../config/types.js'
import { runConfiguredJob, type JobDeps } from '../jobs/job.js'
import { secretEnvValues } from '../release/config-change.js'
import type { Capture } from '../targets/target.js'
import type { ContextParts } from './progressive.js'

/** Before any replica is replaced: the job from the release about to go out. */
export async function preDeploy<C extends Capture>(config: Config, capture: C, release: string, parts: ContextParts<C>, runToken: string): Promise<{ ok: boolean; reason?: string; durationMs: number }> {
  if (!config.preDeploy) return { ok: true, durationMs: 0 }
  const job = parts.platform.jobRunner(capture, runToken, release)
  return runConfiguredJob('pre-deploy', config.preDeploy, () => job.runner, jobDeps(parts, job.env))
}

/** After the rollout succeeded: the job from the workload as it now runs. */
export async function postDeploy<C extends Capture>(config: Config, parts: ContextParts<C>, runToken: string): Promise<{ ok: boolean; reason?: string }> {
  if (!config.postDeploy) return { ok: true }
  let job: ReturnType<typeof parts.platform.jobRunner>
  try {
    job = parts.platform.jobRunner(await parts.platform.stable.capture(), runToken)
  } catch (error) {
    // The release is out: a fault here is post-deploy's failure, not the rollout's.
    parts.recorder.report.jobs = { ...parts.recorder.report.jobs, 'post-deploy': 'failed' }
    return { ok: false, reason: `post-deploy job could not be run: ${(error as Error).message}` }
  }
  return runConfiguredJob('post-deploy', config.postDeploy, () => job.runner, jobDeps(parts, job.env))
}

function jobDeps(parts: Pick<ContextParts, 'deps' | 'recorder'>, env: readonly string[]): JobDeps {
  const { deps } = parts
  // The job may print its own env: what looks secret in it is masked in the report's log tail too.
  return { log: deps.log, recorder: parts.recorder, clock: deps.clock, secrets: secretEnvValues(env), ...(deps.signal ? { signal: deps.signal } : {}) }
}
