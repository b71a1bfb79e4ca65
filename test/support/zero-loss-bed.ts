// The workload of a zero-loss scenario, on either platform, with the fixture node app (test/fixtures/node-app):
// - swarm: a dnsrr service on its own attachable overlay network; the proxy resolves tasks.<service>.
// - docker: plain containers labelled zdd.service=<service> on their own user-defined bridge network with a
//   user-configured subnet, under the shared alias <service>; the proxy resolves the alias.
// Both are behind the test proxy (HAProxy with HTTP health checks on /health) on the same network.
import { randomInt } from 'node:crypto'
import type Docker from 'dockerode'
import { startProxy, type Proxy, type ProxyConfigOptions } from './proxy.js'
import {
  REGISTRY, TEST_LABELS, createNetwork, createService, docker, httpGet, pinImage, statusCode, uniqueName,
  waitFor, type Cleanup
} from './testbed.js'

/** Repository of the fixture node app (pushed by test/testbed/node-fixture.sh). */
export const NODE_REPO = process.env.ZDD_TEST_NODE_REPO ?? `${REGISTRY}/zdd-fixture-node`
/**
 * Its tags. Each serves its tag at /version and /api (bad-errors: v2-errors).
 * - v1, v2, v3: well-behaved (SIGTERM: stop accepting, answer the requests in flight, exit)
 * - bad-sigterm-v1, bad-sigterm-v2: exit at once on SIGTERM, cutting the requests in flight
 * - bad-health: /health answers 500, so the Docker health check never passes
 * - bad-errors: healthy, but /api answers 500
 */
export type NodeTag = 'v1' | 'v2' | 'v3' | 'bad-sigterm-v1' | 'bad-sigterm-v2' | 'bad-health' | 'bad-errors'
export const nodeImage = (tag: NodeTag): string => `${NODE_REPO}:${tag}`

export type Platform = 'swarm' | 'docker'
/** The label that makes a container part of a workload on the docker platform (issue 4). */
export const SERVICE_LABEL = 'zdd.service'

export interface BedOptions {
  platform: Platform
  /** Tag the workload runs at the start. */
  from: NodeTag
  replicas: number
  /** Docker's stop grace period of the replicas, in ms (default: Docker's, 10 s). */
  stopGracePeriodMs?: number
  proxy: ProxyConfigOptions
}

export interface Bed {
  platform: Platform
  service: string
  network: string
  proxy: Proxy
}

/** The workload on its own network behind its own proxy, every replica routed; all removed by `cleanup`. */
export async function startBed(cleanup: Cleanup, opts: BedOptions): Promise<Bed> {
  const service = uniqueName(`zl-${opts.platform}`)
  const network = uniqueName('zl-net')
  if (opts.platform === 'swarm') {
    await createNetwork(network)
    cleanup.network(network)
    cleanup.service(service)
    cleanup.service(`${service}-canary`)
    cleanup.service(`${service}-preview`)
    await createService({
      name: service, image: nodeImage(opts.from), replicas: opts.replicas, network, endpointMode: 'dnsrr',
      ...(opts.stopGracePeriodMs !== undefined ? { stopGracePeriodMs: opts.stopGracePeriodMs } : {})
    })
  } else {
    await createBridgeNetwork(network)
    cleanup.network(network)
    cleanup.add(() => removeContainersOf(service))
    await startContainers(service, network, opts)
  }
  const hosts = opts.platform === 'docker' ? { hosts: [service] } : {}
  const proxy = await startProxy({ service, network, httpCheck: '/health', ...opts.proxy, ...hosts })
  cleanup.proxy(proxy)
  await waitRouted(proxy, opts.replicas)
  return { platform: opts.platform, service, network, proxy }
}

/** Waits until the proxy has `count` servers UP (so that a measurement starts from a steady state). */
export async function waitRouted(proxy: Proxy, count: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `proxy ${proxy.name} to route to ${count} replica(s)`,
    async () => (await upServers(proxy)) === count,
    { timeoutMs, intervalMs: 250 }
  )
}

/** Servers of the proxy's backend that are UP. */
export async function upServers(proxy: Proxy): Promise<number> {
  const csv = (await httpGet(`${proxy.statsUrl}/stats;csv`, 2_000)).body
  return csv.split('\n').filter((l) => l.startsWith('app,') && !/^app,(BACKEND|FRONTEND),/.test(l) && l.split(',')[17] === 'UP').length
}

// ------------------------------------------------------------------------------------- docker platform

/** A user-defined bridge network with a subnet of its own (a drained container keeps its address on it). */
async function createBridgeNetwork(name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const subnet = `10.${randomInt(160, 250)}.${randomInt(0, 255)}.0/24`
    try {
      await docker().createNetwork({
        Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { ...TEST_LABELS },
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] }
      })
      return
    } catch (err) {
      // Another network may hold that subnet: pick another.
      if (attempt >= 5 || !/overlap|in use/i.test(String((err as Error).message))) throw err
    }
  }
}

async function startContainers(service: string, network: string, opts: BedOptions): Promise<void> {
  const image = await pinImage(nodeImage(opts.from))
  for (let i = 1; i <= opts.replicas; i++) {
    const container = await docker().createContainer({
      name: `${service}-${i}`,
      Image: image,
      Labels: { ...TEST_LABELS, [SERVICE_LABEL]: service },
      ...(opts.stopGracePeriodMs !== undefined ? { StopTimeout: Math.ceil(opts.stopGracePeriodMs / 1000) } : {}),
      HostConfig: { NetworkMode: network, RestartPolicy: { Name: 'unless-stopped' } },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service] } } }
    } as Docker.ContainerCreateOptions)
    await container.start()
  }
  await waitFor(
    `${opts.replicas} healthy container(s) of ${service}`,
    async () => {
      const list = await docker().listContainers({ filters: JSON.stringify({ label: [`${SERVICE_LABEL}=${service}`], health: ['healthy'] }) })
      return list.length === opts.replicas
    },
    { timeoutMs: 60_000, intervalMs: 250 }
  )
}

/** Removes every container labelled zdd.service=<service> (those the rollout made too). */
export async function removeContainersOf(service: string): Promise<void> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`${SERVICE_LABEL}=${service}`] }) })
  for (const c of list) {
    await docker().getContainer(c.Id).remove({ force: true, v: true }).catch((err: unknown) => {
      if (statusCode(err) !== 404) throw err
    })
  }
}
