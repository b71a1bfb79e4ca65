// Helpers for tests that run against the real test bed brought up by test/testbed/up.sh:
// the local dockerd (single-node Swarm), the registries on 127.0.0.1:5000 (open) and :5001 (basic auth),
// the fixture app images, the HAProxy image zdd-haproxy:local and Prometheus on 127.0.0.1:9090 (which
// scrapes the proxies started with startProxy({ scrape: true })).
//
// Everything created here carries the label zdd.test=1, so up.sh (and removeByLabel) can remove leftovers.
// Every wait is bounded in time. Only loopback and the containers/networks created here are contacted.
//
// No IPVS on the test machines: the routing mesh and VIP load balancing do not route, and overlay task
// addresses are not reachable from the host. Services are reached through startProxy(): an HAProxy
// container on the service's attachable overlay network that resolves tasks.<service> (Docker's DNS
// returns the task addresses in both endpoint modes) and is published on a loopback port.
// The proxy and Prometheus helpers are in proxy.ts and prometheus.ts.
import Docker from 'dockerode'
import { randomBytes } from 'node:crypto'
import { repoRoot } from './repo-root.js'

export const LABEL_KEY = 'zdd.test'
export const LABEL_VALUE = '1'
export const TEST_LABELS: Readonly<Record<string, string>> = Object.freeze({ [LABEL_KEY]: LABEL_VALUE })

// Same variables and defaults as test/testbed/env.sh.
export const REGISTRY = process.env.ZDD_TEST_REGISTRY ?? '127.0.0.1:5000'
export const AUTH_REGISTRY = process.env.ZDD_TEST_AUTH_REGISTRY ?? '127.0.0.1:5001'
export const REGISTRY_USER = process.env.ZDD_TEST_REGISTRY_USER ?? 'zdd-test'
export const REGISTRY_PASSWORD = process.env.ZDD_TEST_REGISTRY_PASSWORD ?? 'zdd-test-secret-9f3b'
export const APP_REPO = process.env.ZDD_TEST_APP_REPO ?? `${REGISTRY}/zdd-fixture-app` // 127.0.0.1:5000/zdd-fixture-app
/** The app v1 pushed to the basic-auth registry (needs REGISTRY_AUTH). */
export const AUTH_APP_REPO = `${AUTH_REGISTRY}/zdd-fixture-app`
export const PROXY_IMAGE = process.env.ZDD_TEST_PROXY_IMAGE ?? 'zdd-haproxy:local'
/** The repository root (the nearest folder above this file with action.yml), ending in /. */
export const REPO_ROOT = `${repoRoot(new URL('.', import.meta.url).pathname)}/`
/** Build context of the fixture app (see its Dockerfile for the build args). */
export const APP_CONTEXT = new URL('../fixtures/app/', import.meta.url).pathname

/**
 * Tags pushed to APP_REPO by up.sh. Each image serves its own tag at /version (but bad-errors: v2-errors).
 * All of them answer /api through the test proxy (the app's /cgi-bin/api; see proxyConfig): 200 with the
 * version, except bad-errors.
 * - v1, v2, v3: good, Docker HEALTHCHECK on /health
 * - bad-health: /health is 404 and the Docker HEALTHCHECK probes it: never healthy in Docker
 * - bad-gate: /health is 404 but the Docker HEALTHCHECK probes /ping: healthy in Docker, fails an HTTP gate
 * - crash: exits with code 1 at start
 * - nohc-v1, nohc-v2: good, no HEALTHCHECK
 * - bad-errors: version v2-errors; healthy (/health, /version 200) but every /api request answers 500
 *   (ERRORS=1; a service can also set ZDD_FIXTURE_ERRORS=1 in its env on any tag)
 */
export const FIXTURE_TAGS = [
  'v1',
  'v2',
  'v3',
  'bad-health',
  'bad-gate',
  'crash',
  'nohc-v1',
  'nohc-v2',
  'bad-errors'
] as const
export type FixtureTag = (typeof FIXTURE_TAGS)[number]

/** `127.0.0.1:5000/zdd-fixture-app:<tag>` */
export function fixtureImage(tag: FixtureTag | string): string {
  return `${APP_REPO}:${tag}`
}

/** Auth config for the basic-auth registry (dockerode `authconfig`, or base64 JSON for X-Registry-Auth). */
export const REGISTRY_AUTH: Docker.AuthConfig = {
  username: REGISTRY_USER,
  password: REGISTRY_PASSWORD,
  serveraddress: AUTH_REGISTRY
}

let client: Docker | undefined
/** A dockerode client on the local socket (/var/run/docker.sock, or DOCKER_HOST if it is a unix socket). */
export function docker(): Docker {
  if (!client) {
    const host = process.env.DOCKER_HOST
    const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock'
    client = new Docker({ socketPath })
  }
  return client
}

/** Short unique lowercase DNS-safe name: `<prefix>-<time><random>`, at most 40 characters. */
export function uniqueName(prefix = 'zdd'): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24)
      .replace(/-+$/, '') || 'zdd'
  const suffix = Date.now().toString(36).slice(-5) + randomBytes(3).toString('hex')
  const name = `${clean}-${suffix}`
  return /^[a-z]/.test(name) ? name : `z${name}`.slice(0, 40)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined/false, or throws after
 * `timeoutMs` with `what` and the last error or value seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {}
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / intervalMs) + 1; attempt++) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) break
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())))
  }
  const detail = last instanceof Error ? last.message : JSON.stringify(last)
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`)
}

// ------------------------------------------------------------------------------------------------ HTTP

export interface HttpResult {
  status: number
  body: string
  headers: Headers
}

/** GET with a hard timeout (global fetch). Rejects on network errors and timeouts. */
export async function httpGet(url: string, timeoutMs = 5_000): Promise<HttpResult> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' })
  const body = await res.text()
  return { status: res.status, body, headers: res.headers }
}

// --------------------------------------------------------------------------------------------- networks

export interface CreateNetworkOptions {
  /** A user-configured subnet, e.g. '10.231.7.0/24' (needed to reconnect a container with a fixed IP). */
  subnet?: string
  labels?: Record<string, string>
}

/** Creates an attachable overlay network labelled zdd.test=1; returns its id. */
export async function createNetwork(name: string, opts: CreateNetworkOptions = {}): Promise<string> {
  const network = await docker().createNetwork({
    Name: name,
    Driver: 'overlay',
    Attachable: true,
    CheckDuplicate: true,
    Labels: { ...opts.labels, ...TEST_LABELS },
    ...(opts.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: opts.subnet }] } } : {})
  })
  return network.id
}

/** Removes a network, retrying while endpoints of removed tasks/containers are still going away. */
export async function removeNetwork(nameOrId: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `network ${nameOrId} to be removed`,
    async () => {
      try {
        await docker().getNetwork(nameOrId).remove()
        return true
      } catch (err) {
        if (statusCode(err) === 404) return true
        throw err
      }
    },
    { timeoutMs, intervalMs: 500 }
  )
}

// --------------------------------------------------------------------------------------------- services

/**
 * Resolves `repo:tag` to `repo:tag@sha256:…` through the daemon (`GET /distribution/{name}/json`), as the
 * docker CLI does before creating or updating a service. Already pinned references are returned as is.
 */
export async function pinImage(image: string, auth?: Docker.AuthConfig): Promise<string> {
  if (image.includes('@sha256:')) return image
  const lastPart = image.slice(image.lastIndexOf('/') + 1)
  const ref = lastPart.includes(':') ? image : `${image}:latest`
  const info = await docker()
    .getImage(ref)
    .distribution(auth ? { authconfig: auth } : {})
  const digest = info.Descriptor?.digest
  if (!digest) throw new Error(`no digest for ${ref} from /distribution/${ref}/json`)
  return `${ref}@${digest}`
}

export interface CreateServiceOptions {
  name: string
  /** e.g. fixtureImage('v1'); pinned to its digest before the service is created. */
  image: string
  replicas: number
  /** Name or id of an (attachable overlay) network; see createNetwork. */
  network: string
  endpointMode: 'vip' | 'dnsrr'
  /** Published ports, e.g. host mode: [{ TargetPort: 80, PublishedPort: 18081, PublishMode: 'host' }]. */
  ports?: Docker.PortConfig[]
  labels?: Record<string, string>
  updateConfig?: Partial<Docker.UpdateConfig>
  rollbackConfig?: Partial<Docker.UpdateConfig>
  /** Sent as X-Registry-Auth (and used to resolve the digest), e.g. REGISTRY_AUTH for AUTH_REGISTRY. */
  auth?: Docker.AuthConfig
  env?: string[]
  /** Mounts of the container, e.g. a bind mount of a host folder: [{ Type: 'bind', Source, Target }]. */
  mounts?: Docker.MountSettings[]
  /** Docker's stop grace period, in ms (Swarm's default is 10 s). */
  stopGracePeriodMs?: number
  /** Wait until `replicas` tasks are running (and healthy); default true. Use false for e.g. 'crash'. */
  wait?: boolean
  /** Bound of that wait; default 60 s. */
  timeoutMs?: number
}

export interface CreatedService {
  id: string
  name: string
  /** The pinned image in the service spec: repo:tag@sha256:… */
  image: string
}

/** Creates a replicated Swarm service labelled zdd.test=1 and (by default) waits until it is up. */
export async function createService(opts: CreateServiceOptions): Promise<CreatedService> {
  const image = await pinImage(opts.image, opts.auth)
  const spec: Docker.ServiceSpec = {
    Name: opts.name,
    Labels: { ...opts.labels, ...TEST_LABELS },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: { ...TEST_LABELS },
        ...(opts.env ? { Env: opts.env } : {}),
        ...(opts.mounts ? { Mounts: opts.mounts } : {}),
        ...(opts.stopGracePeriodMs !== undefined ? { StopGracePeriod: opts.stopGracePeriodMs * 1_000_000 } : {})
      },
      Networks: [{ Target: opts.network }],
      RestartPolicy: { Condition: 'any', Delay: 1_000_000_000, MaxAttempts: 0 }
    },
    Mode: { Replicated: { Replicas: opts.replicas } },
    EndpointSpec: { Mode: opts.endpointMode, ...(opts.ports ? { Ports: opts.ports } : {}) },
    ...(opts.updateConfig ? { UpdateConfig: opts.updateConfig as Docker.UpdateConfig } : {}),
    ...(opts.rollbackConfig ? { RollbackConfig: opts.rollbackConfig as Docker.UpdateConfig } : {})
  }
  // dockerode's createService(spec) alone would send the spec as X-Registry-Auth: always pass both.
  const service = await docker().createService(opts.auth ?? (undefined as unknown as Docker.AuthConfig), spec)
  if (opts.wait !== false) await waitForServiceReady(opts.name, opts.replicas, opts.timeoutMs ?? 60_000)
  return { id: service.id, name: opts.name, image }
}

export interface TaskInfo {
  ID: string
  DesiredState?: string
  Spec?: { ContainerSpec?: { Image?: string } }
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string } }
}

/** Tasks of a service (optionally only those whose DesiredState is `desiredState`). */
export async function serviceTasks(name: string, desiredState?: string): Promise<TaskInfo[]> {
  const filters: Record<string, string[]> = { service: [name] }
  if (desiredState) filters['desired-state'] = [desiredState]
  const tasks = (await docker().listTasks({ filters: JSON.stringify(filters) })) as TaskInfo[]
  // The service filter also matches by id prefix; keep only this service's tasks.
  const service = (await docker().getService(name).inspect()) as { ID: string }
  return tasks.filter((t) => (t as { ServiceID?: string }).ServiceID === service.ID)
}

/**
 * Waits until `replicas` tasks are desired and actually running and, for images with a HEALTHCHECK,
 * their containers are healthy (Swarm only reports `running` once healthy; checked again here).
 */
export async function waitForServiceReady(name: string, replicas: number, timeoutMs = 60_000): Promise<void> {
  let summary = ''
  try {
    await waitFor(
      `service ${name} to have ${replicas} running and healthy task(s)`,
      async () => {
        const tasks = await serviceTasks(name)
        summary = tasks
          .map((t) => `${t.DesiredState}/${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ''}`)
          .join(', ')
        const running = tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running')
        if (running.length !== replicas) return false
        if (tasks.some((t) => t.DesiredState === 'running' && t.Status?.State !== 'running')) return false
        for (const t of running) {
          const id = t.Status?.ContainerStatus?.ContainerID
          if (!id) return false
          const info = await docker().getContainer(id).inspect()
          const health = info.State.Health?.Status
          if (!info.State.Running || (health !== undefined && health !== 'healthy')) return false
        }
        return true
      },
      { timeoutMs, intervalMs: 250 }
    )
  } catch (err) {
    throw new Error(`${(err as Error).message}; tasks: ${summary || 'none'}`)
  }
}

/** Images (ContainerSpec.Image) of the service's tasks whose DesiredState is running. */
export async function serviceImages(name: string): Promise<string[]> {
  const tasks = await serviceTasks(name, 'running')
  return tasks.map((t) => t.Spec?.ContainerSpec?.Image ?? '')
}

/** The service spec's TaskTemplate.ContainerSpec.Image. */
export async function serviceSpecImage(name: string): Promise<string> {
  const info = await docker().getService(name).inspect()
  return (info.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Image ?? ''
}

/** Removes a service (no error if it is already gone). */
export async function removeService(nameOrId: string): Promise<void> {
  try {
    await docker().getService(nameOrId).remove()
  } catch (err) {
    if (statusCode(err) !== 404) throw err
  }
}

// ---------------------------------------------------------------------------------------------- cleanup

const labelFilter = (): string => JSON.stringify({ label: [`${LABEL_KEY}=${LABEL_VALUE}`] })

/**
 * Removes everything labelled zdd.test=1: services, containers, then networks (retrying while endpoints
 * go away), configs and secrets. Affects every test's resources: only call it when no other test runs
 * (jest --runInBand), e.g. in beforeAll/afterAll of a file; prefer createCleanup() in tests.
 */
export async function removeByLabel(timeoutMs = 30_000): Promise<void> {
  const d = docker()
  const filters = labelFilter()
  for (const s of await d.listServices({ filters })) await removeService(s.ID)
  for (const c of await d.listContainers({ all: true, filters })) {
    await d
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err
      })
  }
  for (const c of (await d.listConfigs({ filters })) as { ID: string }[]) {
    await d.getConfig(c.ID).remove().catch(() => undefined)
  }
  for (const s of (await d.listSecrets({ filters })) as { ID: string }[]) {
    await d.getSecret(s.ID).remove().catch(() => undefined)
  }
  const deadline = Date.now() + timeoutMs
  for (const n of await d.listNetworks({ filters })) {
    await removeNetwork(n.Id, Math.max(1_000, deadline - Date.now()))
  }
}

export interface Cleanup {
  /** Registers an action; actions run in reverse order of registration. */
  add(action: () => unknown): void
  service(name: string): void
  network(name: string): void
  /** Stops a proxy (see startProxy in proxy.ts). */
  proxy(proxy: { stop(): Promise<void> }): void
  /** Runs every action (even when some fail), then throws the first error, if any. */
  run(): Promise<void>
}

/**
 * A dnsrr service on v1 of the fixture app, on its own new network, both removed by `cleanup`, as are
 * the companions a canary or blue-green rollout of it may leave (`<service>-canary`, `-preview`).
 */
export async function serviceOnOwnNetwork(cleanup: Cleanup, prefix: string, replicas: number): Promise<{ service: string; network: string }> {
  const service = uniqueName(prefix)
  const network = uniqueName('net')
  await createNetwork(network)
  cleanup.network(network)
  // Registered before they exist: a service that never gets ready must still go, or its network cannot.
  cleanup.service(service)
  cleanup.service(`${service}-canary`)
  cleanup.service(`${service}-preview`)
  await createService({ name: service, image: `${APP_REPO}:v1`, replicas, network, endpointMode: 'dnsrr' })
  return { service, network }
}

/** Per-test cleanup: `const cleanup = createCleanup(); afterEach(() => cleanup.run())`. */
export function createCleanup(): Cleanup {
  let actions: (() => unknown)[] = []
  const cleanup: Cleanup = {
    add: (action) => {
      actions.push(action)
    },
    service: (name) => cleanup.add(() => removeService(name)),
    network: (name) => cleanup.add(() => removeNetwork(name)),
    proxy: (proxy) => cleanup.add(() => proxy.stop()),
    run: async () => {
      const pending = actions.reverse()
      actions = []
      let first: unknown
      for (const action of pending) {
        try {
          await action()
        } catch (err) {
          first ??= err
        }
      }
      if (first !== undefined) throw first
    }
  }
  return cleanup
}

/** The HTTP status code of a dockerode error, if any. */
export function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err
    ? (err as { statusCode?: number }).statusCode
    : undefined
}
