// One deploy, from a validated Config to a Report: build and push, capture the target, plan, roll out,
// revert. The action, its post step and the CLI all call this; none of it knows about @actions/core.
import type Docker from 'dockerode'
import { InputError } from './config/input-error.js'
import type { Config } from './config/types.js'
import { describeAnyPlan } from './rollout/plans.js'
import { planFor, rollOut, withDeployLock } from './rollout/roll-out.js'
import type { MetricsReaders } from './gates/analysis-gate.js'
import type { RunState } from './run-state.js'
import type { DeploymentTracker } from './github/deployments.js'
import { SwarmApi } from './targets/swarm-api.js'
import { rollbackImage } from './targets/release-labels.js'
import { pausedCanary, resumeCanary } from './rollout/canary-resume.js'
import { SwarmCompanion } from './targets/swarm-companion.js'
import { buildImage } from './docker/build.js'
import { describeDockerHost } from './docker/client.js'
import { formatImageRef, withDigest } from './docker/image-ref.js'
import { pushImage } from './docker/push.js'
import { registryAuthHeader } from './docker/registry-auth.js'
import { localRepoDigest, resolveDigest } from './docker/resolve-digest.js'
import type { HttpProbe } from './gates/http-probe.js'
import type { Log } from './log.js'
import { ReportRecorder, type Report, type Result } from './report/report.js'
import type { Clock } from './rollout/clock.js'
import { dropRiskWarnings } from './rollout/drop-risks.js'
import { monitorWindowWarning, type HealthCheckSettings } from './rollout/health-timing.js'
import { SwarmPreStop } from './targets/swarm-pre-stop.js'
import { SwarmTarget, containerSpec, specHealthCheck, type SwarmCapture } from './targets/swarm-target.js'
import { digestOf } from './targets/swarm-tasks.js'

export interface DeployDeps {
  docker: Docker
  probe: HttpProbe
  clock: Clock
  log: Log
  signal?: AbortSignal
  /** Where metric readings come from; by default, from the configured Prometheus or endpoint. */
  metrics?: MetricsReaders
  /** Told when the service is about to change and when the run is over (the action saves it for its post step). */
  checkpoint?: (state: RunState) => void
  /** GitHub Deployments, when configured: started before the service changes, finished with the result. */
  deployments?: DeploymentTracker
  /** Who this run is, as the deploy lock shows it to another run (default: user@host). */
  lockOwner?: string
}

export interface DeployResult {
  result: Result
  reason?: string
  /** `repo@sha256:…` of the release, once known. */
  image?: string
  digest?: string
  previousImage?: string
  report: Report
}

export async function deploy(config: Config, deps: DeployDeps, startedAt = deps.clock.now()): Promise<DeployResult> {
  const { docker, log, clock } = deps
  const recorder = new ReportRecorder(() => clock.now())
  const report = recorder.report
  const done = (result: Result, extra: Partial<DeployResult> = {}): DeployResult => {
    recorder.finish(result, extra.reason)
    return { result, image: report.image, digest: report.digest, previousImage: report.previousImage, ...extra, report }
  }
  const authHeader = config.registryAuth ? registryAuthHeader(config.registryAuth, log) : undefined
  log.info(`Docker host: ${describeDockerHost(config.dockerHost)}`)
  if (config.dockerHost.kind === 'ssh' && config.dockerHost.knownHosts === undefined) {
    const warning = `The SSH host key of ${config.dockerHost.host} is NOT checked (ssh-insecure-skip-host-key-check): ` +
      'anyone who can intercept the connection can pose as the host and take over its Docker engine. Pin it with ssh-known-hosts.'
    log.warning(warning)
    report.warnings.push(warning)
  }

  // Read the target first: a missing service or an update in flight stops the run before anything is built.
  const api = new SwarmApi(docker, log, authHeader)
  const preStop = config.preStop ? new SwarmPreStop(docker, config.preStop, log) : undefined
  const target = config.service ? new SwarmTarget(api, config.service, log, preStop) : undefined
  let capture: SwarmCapture | undefined
  let previous: string | undefined
  if (target && config.service) {
    capture = await captureService(target, config.service, true)
    previous = await pinPrevious(capture.image, config, deps)
    report.previousImage = previous
    report.target = { kind: 'swarm', name: capture.name, facts: capture.facts }
    log.info(`Service ${capture.name}: ${Object.entries(capture.facts).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    log.info(`Current release: ${previous}`)
  }

  // Checked before anything is built, locked or changed: the names a companion needs, a paused canary.
  if (target && capture) await preflight(config, capture, api, target, log)
  if (target && capture && previous && (config.operation === 'promote' || config.operation === 'abort')) {
    const operation = config.operation
    const parts = { api, stable: target, deps, recorder, startedAt }
    const outcome = await withDeployLock(config, parts, async () => resumeCanary(operation, await captureService(target, capture.name), config, parts))
    if (outcome.release) report.image = outcome.release
    return done(outcome.result, outcome.reason ? { reason: outcome.reason } : {})
  }
  const image = config.operation === 'rollback' && capture ? rollbackImage(capture.spec, capture.name, config) : config.image
  if (!image) throw new InputError('image', '', 'an image reference, since operation is deploy')
  if (config.operation === 'rollback') log.info(`Rolling ${config.service} back to ${formatImageRef(image)}`)

  const tag = image.tag
  const reference = formatImageRef(image)
  if (config.dryRun) {
    if (capture && previous) {
      const to = image.digest ? withDigest(image.repository, image.digest) : `${reference} (digest resolved after the push)`
      const plan = planFor(config, capture, previous, to)
      report.plan = plan
      for (const line of describeAnyPlan(plan)) log.info(line)
    }
    if (config.context) log.info(`Would build ${config.context} (${config.dockerfile}) as ${reference}${config.push ? ' and push it' : ''}`)
    log.info('dry-run: nothing was built, pushed or changed')
    return done('planned')
  }

  // Build and push; from here on the release is always repo@sha256:….
  let digest = image.digest
  if (config.context && tag) {
    const buildStarted = clock.now()
    const tags = [tag, ...config.tags].map((t) => `${image.repository}:${t}`)
    const built = await buildImage(docker, { context: config.context, dockerfile: config.dockerfile, buildArgs: config.buildArgs, tags }, log)
    if (config.push) {
      for (const t of [tag, ...config.tags]) {
        const pushed = await pushImage(docker, image.repository, t, config.registryAuth, log)
        if (t === tag) digest = pushed.digest
      }
    } else {
      digest = await localRepoDigest(docker, `${image.repository}:${tag}`, image.repository)
    }
    report.build = { tags, imageId: built.imageId, pushed: config.push, durationMs: clock.now() - buildStarted }
  } else if (!digest && tag) {
    digest = await resolveDigest(docker, reference, config.registryAuth, log)
  }
  if (digest) {
    report.digest = digest
    report.image = withDigest(image.repository, digest)
    log.info(`Release: ${report.image}`)
  }
  if (!target || !capture || previous === undefined) return done('succeeded')
  if (!digest) {
    throw new InputError('push', 'false', `true, or an image that is already in a registry: a Swarm service must be given a digest its nodes can pull`)
  }

  // The service spec keeps the tag for people and the digest for Swarm, as `docker service update` does.
  const release = tag ? `${image.repository}:${tag}@${digest}` : withDigest(image.repository, digest)
  if (digestOf(previous) === digest) {
    log.info(`${capture.name} already runs ${digest}: nothing to roll out`)
    return done('succeeded', { reason: 'already on this release' })
  }
  const fromImage = specHealthCheck(capture.spec) ? undefined : await imageHealthCheck(docker, withDigest(image.repository, digest))
  const check = specHealthCheck(capture.spec) ?? fromImage?.check
  const stopGracePeriodNs = containerSpec(capture.spec)?.StopGracePeriod
  const risks = dropRiskWarnings({ healthCheck: check, healthCheckKnown: fromImage?.known ?? true, stopGracePeriodNs })
  for (const warning of [monitorWindowWarning(check, config.monitorMs), ...risks]) {
    if (!warning) continue
    log.warning(warning)
    report.warnings.push(warning)
  }
  const outcome = await withDeployLock(config, { api, stable: target, deps, recorder, startedAt }, async (lockToken) => {
    // Re-read under the lock: a run that held it may have changed the service while this one waited.
    const fresh = await captureService(target, capture.name)
    if (fresh.image !== capture.image) {
      previous = await pinPrevious(fresh.image, config, deps)
      report.previousImage = previous
      log.warning(`${capture.name} changed while this run waited for the lock; it now runs ${previous}`)
      if (digestOf(previous) === digest) return { result: 'succeeded' as const, reason: 'already on this release' }
    }
    return rollOut(config, fresh, previous as string, release, { api, stable: target, deps, recorder, startedAt }, lockToken)
  })
  await preStop?.settled()
  return done(outcome.result, { reason: outcome.reason })
}

async function preflight(config: Config, capture: SwarmCapture, api: SwarmApi, target: SwarmTarget, log: Log): Promise<void> {
  if (config.operation === 'promote' || config.operation === 'abort') {
    await pausedCanary(config.operation, capture.name, new SwarmCompanion(api, target, capture.name, 'canary', log))
  } else if (config.operation === 'deploy' && config.strategy !== 'rolling' && !config.dryRun) {
    // Throws when a service of the companion's name exists and is not ours.
    await new SwarmCompanion(api, target, capture.name, config.strategy === 'canary' ? 'canary' : 'preview', log).leftover()
  }
}

async function captureService(target: SwarmTarget, service: string, beforeLock = false): Promise<SwarmCapture> {
  try {
    const capture = await target.capture(beforeLock)
    if (capture.replicas < 1) {
      throw new InputError('service', service, 'a service with at least 1 running replica (scale it up before rolling it out)')
    }
    return capture
  } catch (error) {
    if (error instanceof Error && /was not found on the Swarm/.test(error.message)) {
      throw new InputError('service', service, 'the name of an existing Swarm service')
    }
    throw error
  }
}

/** The image's own HEALTHCHECK (known when the image is on this engine, as it is after a build or pull). */
async function imageHealthCheck(docker: Docker, image: string): Promise<{ known: boolean; check?: HealthCheckSettings }> {
  try {
    const info = (await docker.getImage(image).inspect()) as { Config?: { Healthcheck?: HealthCheckSettings } }
    return info.Config?.Healthcheck ? { known: true, check: info.Config.Healthcheck } : { known: true }
  } catch {
    return { known: false }
  }
}

/** The previous release as `repo:tag@sha256:…`, so a revert brings back exactly it even if its tag moved. */
async function pinPrevious(image: string, config: Config, deps: DeployDeps): Promise<string> {
  if (digestOf(image)) return image
  try {
    return `${image}@${await resolveDigest(deps.docker, image, config.registryAuth, deps.log)}`
  } catch (error) {
    deps.log.warning(`The service runs ${image} without a digest, and its digest could not be resolved (${(error as Error).message}); a revert will use the tag as it is`)
    return image
  }
}
