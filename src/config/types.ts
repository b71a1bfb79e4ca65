// The validated, typed configuration of one run. Built once from the inputs by parseConfig();
// nothing touches the target before it exists. Durations are in milliseconds.
import type { AnalysisLimits, NoDataPolicy } from '../analysis/types.js'
import type { Tolerance } from '../analysis/baseline.js'
import type { CanaryStepEntry } from '../rollout/canary-plan.js'

export type DockerHost =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls?: TlsFiles }
  | SshHost

/**
 * An ssh:// docker-host. The host key is checked against knownHosts; it is left unchecked only when
 * ssh-insecure-skip-host-key-check says so (knownHosts is then undefined).
 */
export interface SshHost {
  kind: 'ssh'
  user: string
  host: string
  port: number
  privateKey: string
  passphrase?: string
  knownHosts?: string
}

export interface TlsFiles {
  ca: string
  cert: string
  key: string
}

/** A parsed image reference: `registry/path/name:tag` or `...@sha256:digest`. */
export interface ImageRef {
  /** Repository including the registry host when one is given, e.g. `127.0.0.1:5000/team/app`. */
  repository: string
  tag?: string
  digest?: string
}

export interface RegistryAuth {
  username: string
  password: string
  serveraddress: string
}

export type BatchSize = { kind: 'count'; value: number } | { kind: 'percent'; value: number }

/** An inclusive range of HTTP status codes, e.g. 200-399. */
export interface StatusRange {
  from: number
  to: number
}

export interface HealthGateConfig {
  url: URL
  statuses: StatusRange[]
  body?: RegExp
  intervalMs: number
  timeoutMs: number
  successes: number
}

export type Strategy = 'rolling' | 'canary' | 'blue-green'

/** Where the metric gate reads its numbers. */
export type MetricsSource =
  | { kind: 'prometheus'; url: URL; query: string }
  | { kind: 'scrape'; url: URL }

/** The metric gate: a reading every interval for the analysis window, judged by Argo-style limits. */
export interface AnalysisConfig {
  source: MetricsSource
  /** success-condition as written ({{canary}}/{{stable}} still in it); checked at input time. */
  condition?: string
  intervalMs: number
  durationMs: number
  limits: AnalysisLimits
  noData: NoDataPolicy
  /** compare: baseline — the canary's values must stay within this of the stable's. */
  baseline?: Tolerance
}

export type Operation = 'deploy' | 'rollback' | 'promote' | 'abort'

export interface Config {
  dockerHost: DockerHost
  operation: Operation
  /** Always set for deploy; for rollback only when a digest is given; unused by promote and abort. */
  image?: ImageRef
  /** Extra tags, each pushed beside the main one. */
  tags: string[]
  /** Build context folder; undefined means deploy an existing image. */
  context?: string
  dockerfile: string
  buildArgs: Record<string, string>
  push: boolean
  registryAuth?: RegistryAuth
  /** Swarm service to update; undefined means build (and push) only. */
  service?: string
  strategy: Strategy
  batchSize: BatchSize
  health?: HealthGateConfig
  /** canary: traffic shares in percent, increasing, each below 100. */
  canarySteps: CanaryStepEntry[]
  /** blue-green: the HTTP gate of the preview service, before the switch. */
  previewUrl?: URL
  /** blue-green: how long the switched release is watched before the preview is removed. */
  scaleDownDelayMs: number
  analysis?: AnalysisConfig
  monitorMs: number
  deadlineMs: number
  timeoutMs: number
  /** Command run in each old replica once its replacement starts (argv; a text input runs with /bin/sh -c). */
  preStop?: string[]
  autoRollback: boolean
  /** How long to wait for another run's deploy lock on the service. */
  lockTimeoutMs: number
  /** Take the deploy lock even if another run holds it. */
  forceUnlock: boolean
  dryRun: boolean
}
