// pre-deploy and post-deploy around a Swarm rollout: the job runs from the release's spec (the
// service's, with the new image and env/labels) under the run's deploy lock.
import type Docker from 'dockerode'
import type { Config } from '../config/types.js'
import { runConfiguredJob, type JobDeps } from '../jobs/job.js'
import { secretEnvValues } from '../release/config-change.js'
import { containerConfig, setRelease } from '../targets/release-spec.js'
import { SwarmJobRunner } from '../targets/swarm-job.js'
import type { ContextParts } from './progressive.js'

/** Before any replica is replaced: the job from the release about to go out. */
export async function preDeploy(config: Config, stableSpec: Docker.ServiceSpec, release: string, parts: ContextParts, runToken: string): Promise<{ ok: boolean; reason?: string; durationMs: number }> {
  const spec = structuredClone(stableSpec)
  setRelease(spec, release, parts.stable.change)
  return runConfiguredJob('pre-deploy', config.preDeploy, () => runner(parts, spec, runToken), jobDeps(parts, spec))
}

/** After the rollout succeeded: the job from the service as it now runs. */
export async function postDeploy(config: Config, service: string, parts: ContextParts, runToken: string): Promise<{ ok: boolean; reason?: string }> {
  if (!config.postDeploy) return { ok: true }
  let spec: Docker.ServiceSpec
  try {
    spec = (await parts.api.inspect(service)).Spec ?? {}
  } catch (error) {
    // The release is out: a fault here is post-deploy's failure, not the rollout's.
    parts.recorder.report.jobs = { ...parts.recorder.report.jobs, 'post-deploy': 'failed' }
    return { ok: false, reason: `post-deploy job could not be run: ${(error as Error).message}` }
  }
  return runConfiguredJob('post-deploy', config.postDeploy, () => runner(parts, spec, runToken), jobDeps(parts, spec))
}

function runner(parts: ContextParts, spec: Docker.ServiceSpec, runToken: string): SwarmJobRunner {
  const { deps } = parts
  return new SwarmJobRunner(parts.api, spec.Name ?? '', spec, runToken, deps.clock, deps.log)
}

function jobDeps(parts: ContextParts, spec: Docker.ServiceSpec): JobDeps {
  const { deps } = parts
  // The job may print its own env: what looks secret in it is masked in the report's log tail too.
  const secrets = secretEnvValues(containerConfig(spec).env)
  return { log: deps.log, recorder: parts.recorder, clock: deps.clock, secrets, ...(deps.signal ? { signal: deps.signal } : {}) }
}
