// What every entry point (the action, the CLI) does with raw inputs: mask the secrets, parse, wire the
// real seams, deploy, and keep the report as a JSON file.
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SECRET_INPUTS, type Inputs } from './config/inputs.js'
import { parseConfig } from './config/parse-config.js'
import { deploy, type DeployDeps, type DeployResult } from './deploy.js'
import { deploymentsSkipReason, parseDeploymentsConfig } from './github/deployments-config.js'
import { createDeploymentTracker } from './github/deployments.js'
import { lockOwner } from './rollout/lock-decision.js'
import { createDockerClient } from './docker/client.js'
import { createHttpProbe } from './gates/http-probe.js'
import type { Log } from './log.js'
import type { Report } from './report/report.js'
import { realClock } from './rollout/clock.js'

/** Masks the secret inputs first, so that nothing later (errors included) can print them. */
export async function deployInputs(inputs: Inputs, env: NodeJS.ProcessEnv, log: Log, extra: Pick<DeployDeps, 'signal' | 'checkpoint'> = {}): Promise<DeployResult> {
  for (const name of SECRET_INPUTS) log.setSecret(inputs[name])
  const config = parseConfig(inputs, env)
  const deployments = parseDeploymentsConfig(inputs, env)
  if (!deployments) {
    const skipped = deploymentsSkipReason(inputs, env)
    if (skipped) log.info(skipped)
  }
  return deploy(config, {
    docker: createDockerClient(config.dockerHost),
    probe: createHttpProbe(),
    clock: realClock,
    log,
    ...(env.GITHUB_RUN_ID ? { lockOwner: lockOwner(env, '') } : {}),
    ...extra,
    ...(deployments && !config.dryRun ? { deployments: createDeploymentTracker(deployments, log) } : {})
  })
}

/** Writes the report where the runner keeps temporary files (or the system's temp folder); returns the path. */
export async function writeReport(report: Report, env: NodeJS.ProcessEnv): Promise<string> {
  const path = join(env.RUNNER_TEMP || tmpdir(), `zero-downtime-deploy-${Date.now()}.json`)
  await writeFile(path, JSON.stringify(report, null, 2))
  return path
}
