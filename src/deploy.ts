// One deploy, from a validated Config to a Report: build and push, capture the target, plan, roll out,
// revert. The action, its post step and the CLI all call this; none of it knows about @actions/core.
import type Docker from 'dockerode'
import { InputError } from './config/input-error.js'
import type { Config } from './config/types.js'
import { describeAnyPlan } from './rollout/plans.js'
import { afterRollout, planFor, rollOut, withDeployLock } from './rollout/roll-out.js'
import type { MetricsReaders } from './gates/analysis-gate.js'
import type { RunState } from './run-state.js'
import type { DeploymentTracker } from './github/deployments.js'
import { rollbackChange, rollbackImage } from './targets/release-labels.js'
import { releaseAgainst, type ReleaseSpecChange } from './targets/release-spec.js'
import { describeDiff, maskDiff, secretEditValues, secretEnvValues, secretValues } from './release/config-change.js'
import { digestOf, imageOf } from './release/release-ref.js'
import { describeJobCommand } from './config/job-command.js'
import { pausedCanary, resumeCanary } from './rollout/canary-resume.js'
import { buildImage } from './docker/build.js'
import { describeDockerHost } from './docker/client.js'
import { withReconnect } from './docker/reconnect.js'
import { checkConnection } from './docker/connect-check.js'
import { formatImageRef, parseImageRef, withDigest } from './docker/image-ref.js'
import { pushImage } from './docker/push.js'
import { registryAuthHeader } from './docker/registry-auth.js'
import { localRepoDigest, resolveDigest } from './docker/resolve-digest.js'
import type { HttpProbe } from './gates/http-probe.js'
import type { Log } from './log.js'
import { ReportRecorder, type Report, type Result } from './report/report.js'
import type { Clock } from './rollout/clock.js'
import { monitorWindowWarning, type HealthCheckSettings } from './rollout/health-timing.js'
import type { Platform } from './targets/platform.js'
import { openPlatform } from './targets/platforms.js'
import type { Capture } from './targets/target.js'

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
  const drops = withReconnect(docker, log, clock)
  const done = (result: Result, extra: Partial<DeployResult> = {}): DeployResult => {
    if (drops.count > 0) {
      report.warnings.push(
        `The connection to the Docker engine dropped ${drops.count} time(s) during the run; the calls were retried until it came back ` +
          `(longest wait ${(drops.longestMs / 1000).toFixed(1)}s)`
      )
    }
    // A configured job that did not run (dry-run, a failed or reverted rollout, a paused canary) was skipped.
    for (const [phase, job] of [['pre-deploy', config.preDeploy], ['post-deploy', config.postDeploy]] as const) {
      if (job && !report.jobs?.[phase]) report.jobs = { ...report.jobs, [phase]: 'skipped' }
    }
    recorder.finish(result, extra.reason)
    return { result, image: report.image, digest: report.digest, previousImage: report.previousImage, ...extra, report }
  }
  const authHeader = config.registryAuth ? registryAuthHeader(config.registryAuth, log) : undefined
  for (const secret of secretEditValues(config.change)) log.setSecret(secret)
  log.info(`Docker host: ${describeDockerHost(config.dockerHost)}`)
  if (config.dockerHost.kind === 'ssh' && config.dockerHost.knownHosts === undefined) {
    const warning = `The SSH host key of ${config.dockerHost.host} is NOT checked (ssh-insecure-skip-host-key-check): ` +
      'anyone who can intercept the connection can pose as the host and take over its Docker engine. Pin it with ssh-known-hosts.'
    log.warning(warning)
    report.warnings.push(warning)
  }

  await checkConnection(docker, config.dockerHost)

  // Read the target first: a missing service or an update in flight stops the run before anything is built.
  const platform = config.service ? await openPlatform(config, { docker, log, clock }, authHeader) : undefined
  let capture: Capture | undefined
  let previous: string | undefined
  if (platform && config.service) {
    capture = await captureService(platform, config, true)
    // A job or a diff may show the workload's env: what looks secret in it is masked from here on.
    for (const secret of secretEnvValues(capture.config.env)) log.setSecret(secret)
    previous = capture.image ? await pinPrevious(capture.image, config, deps) : ''
    if (previous) report.previousImage = previous
    report.target = { kind: platform.kind, name: capture.name, facts: capture.facts }
    log.info(`${capture.name} (${platform.kind}): ${Object.entries(capture.facts).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    log.info(`Current release: ${previous || 'none (nothing runs yet: a first deploy)'}`)
    if (capture.replicas === 0 && config.strategy !== 'rolling') log.info(`A first deploy has nothing to run a ${config.strategy} beside: it is rolled out in batches`)
  }

  // Checked before anything is built, locked or changed: the names a companion needs, a paused canary.
  if (platform && capture) await preflight(config, capture, platform)
  if (platform && capture && previous !== undefined && (config.operation === 'promote' || config.operation === 'abort')) {
    const operation = config.operation
    const parts = { platform, deps, recorder, startedAt }
    const outcome = await withDeployLock(config, parts, async (lockToken) => {
      const resumed = await resumeCanary(operation, await captureService(platform, config), config, parts)
      // After promote, the release runs everywhere: the contract step, as after a deploy.
      if (operation === 'promote' && resumed.result === 'succeeded') await afterRollout(config, parts, lockToken)
      return resumed
    })
    if (outcome.release) report.image = imageOf(outcome.release)
    return done(outcome.result, outcome.reason ? { reason: outcome.reason } : {})
  }
  // A config-only release (env/labels, no image) is the image the service runs, with the change.
  const image = config.operation === 'rollback' && capture ? rollbackImage(capture.recordedPrevious, capture.name, config) : (config.image ?? (config.change && previous ? parseImageRef(previous) : undefined))
  if (!image) throw new InputError('image', '', 'an image reference, since operation is deploy')
  const change = config.operation === 'rollback' && capture ? rollbackChange(capture.recordedChange, config) : config.change
  if (config.operation === 'rollback') log.info(`Rolling ${config.service} back to ${formatImageRef(image)}${change ? ' with the env/labels it had' : ''}`)

  const tag = image.tag
  const reference = formatImageRef(image)
  if (config.dryRun) {
    if (platform && capture && previous !== undefined) {
      const to = image.digest ? withDigest(image.repository, image.digest) : `${reference} (digest resolved after the push)`
      const refs = describeChange(releaseAgainst(capture.config, previous, to, change), report, log)
      const plan = planFor(config, capture, refs.previous, refs.release, platform.kind)
      report.plan = plan
      for (const line of [...describeAnyPlan(plan), ...describeJobs(config)]) log.info(line)
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
  if (!platform || !capture || previous === undefined) return done('succeeded')
  if (!digest) {
    throw new InputError('push', 'false', 'true, or an image that is already in a registry: the release is rolled out by digest, which the Docker hosts must be able to pull')
  }

  // The release keeps the tag for people and the digest for the engine, as `docker service update` does.
  const pinned = tag ? `${image.repository}:${tag}@${digest}` : withDigest(image.repository, digest)
  let refs = describeChange(releaseAgainst(capture.config, previous, pinned, change), report, log)
  // Nothing to roll out: the workload runs this digest, and the release changes no env or label.
  const alreadyOn = (): boolean => digestOf(previous) === digest && !refs.change
  if (alreadyOn()) {
    log.info(`${capture.name} already runs ${digest}${change ? ' with this env and these labels' : ''}: nothing to roll out`)
    return done('succeeded', { reason: 'already on this release' })
  }
  await platform.prepare?.(pinned)
  const fromImage = capture.healthCheck ? undefined : await imageHealthCheck(docker, withDigest(image.repository, digest))
  const check = capture.healthCheck ?? fromImage?.check
  const risks = platform.dropRisks?.(capture, { healthCheck: check, healthCheckKnown: fromImage?.known ?? true, healthGate: config.health !== undefined }) ?? []
  for (const warning of [monitorWindowWarning(check, config.monitorMs), ...risks]) {
    if (!warning) continue
    log.warning(warning)
    report.warnings.push(warning)
  }
  const parts = { platform, deps, recorder, startedAt }
  const outcome = await withDeployLock(config, parts, async (lockToken) => {
    // Re-read under the lock: a run that held it may have changed the service while this one waited.
    const fresh = await captureService(platform, config)
    if (fresh.image !== capture.image) {
      previous = fresh.image ? await pinPrevious(fresh.image, config, deps) : ''
      if (previous) report.previousImage = previous
      log.warning(`${capture.name} changed while this run waited for the lock; it now runs ${previous || 'nothing'}`)
    }
    // Changed env or labels change the release's identity and diff: both are worked out again.
    if (fresh.image !== capture.image || JSON.stringify(fresh.config) !== JSON.stringify(capture.config)) {
      refs = describeChange(releaseAgainst(fresh.config, previous as string, pinned, change), report, log)
      if (alreadyOn()) return { result: 'succeeded' as const, reason: 'already on this release' }
    }
    return rollOut(config, fresh, refs.previous, refs.release, { ...parts, platform: platform.withChange(refs.change) }, lockToken)
  })
  await platform.settled?.()
  return done(outcome.result, { reason: outcome.reason })
}

/** Logs the release's env/labels change (secret values masked, and masked in the log from here on) and puts it in the report. */
function describeChange(refs: ReleaseSpecChange, report: Report, log: Log): ReleaseSpecChange {
  if (!refs.diff) {
    delete report.config
    return refs
  }
  for (const secret of secretValues(refs.diff)) log.setSecret(secret)
  report.config = maskDiff(refs.diff)
  log.info(`Config change of this release (${refs.release}):`)
  for (const line of describeDiff(refs.diff)) log.info(`  ${line}`)
  return refs
}

/** The jobs a run would start, for the dry-run. */
function describeJobs(config: Config): string[] {
  const lines: string[] = []
  if (config.preDeploy) lines.push(`  before the first replica: pre-deploy job from the new release: ${describeJobCommand(config.preDeploy.command)}`)
  if (config.postDeploy) lines.push(`  after success: post-deploy job from the new release: ${describeJobCommand(config.postDeploy.command)}`)
  return lines
}

async function preflight(config: Config, capture: Capture, platform: Platform): Promise<void> {
  if (config.operation === 'promote' || config.operation === 'abort') {
    await pausedCanary(config.operation, capture.name, platform.companion('canary'))
  } else if (config.operation === 'deploy' && config.strategy !== 'rolling' && !config.dryRun && capture.replicas > 0) {
    // Throws when something of the companion's name exists and is not ours.
    await platform.companion(config.strategy === 'canary' ? 'canary' : 'preview').leftover()
  }
}

/** The workload as it runs now; the platform says clearly when there is none to roll out. */
async function captureService(platform: Platform, config: Config, beforeLock = false): Promise<Capture> {
  const capture = await platform.stable.capture(beforeLock)
  // Nothing running is a first deploy, which only a deploy can be (on a plain host, from the inputs).
  if (capture.replicas < 1 && config.operation !== 'deploy') {
    throw new InputError('service', capture.name, `a service that runs at least one replica (operation ${config.operation} needs a release to act on)`)
  }
  return capture
}

/** The image's own HEALTHCHECK (known when the image is on this engine, as it is after a build, pull or prepare). */
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
