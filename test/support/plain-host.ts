// Helpers for plain-host tests (platform docker): a user-defined bridge network (with a subnet of its
// own unless told otherwise), containers of a service made by hand as a user would (docker run with a
// zdd.service label and a network alias), their views, and a cleanup that removes everything the
// rollout may have made for the service: its containers, canaries, pause record, deploy lock and run
// records. Everything is labelled zdd.test=1 or belongs to a uniquely named service.
import type Docker from 'dockerode'
import { randomInt } from 'node:crypto'
import { APP_REPO, TEST_LABELS, docker, removeNetwork, statusCode, waitFor, type Cleanup } from './testbed.js'

/**
 * Creates a bridge network; with `subnet` (default), a random free 10.x.y.0/24 of its own (and with
 * `gateway`, its .1 given as the gateway too). Returns its subnet or ''.
 */
export async function createBridgeNetwork(name: string, opts: { subnet?: boolean; gateway?: boolean } = {}): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const prefix = `10.${randomInt(160, 250)}.${randomInt(0, 255)}`
    const subnet = opts.subnet === false ? '' : `${prefix}.0/24`
    try {
      await docker().createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { ...TEST_LABELS },
        ...(subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: subnet, ...(opts.gateway ? { Gateway: `${prefix}.1` } : {}) }] } } : {})
      })
      return subnet
    } catch (err) {
      // Another network of the machine took that range: draw another.
      if (attempt < 10 && /overlap/i.test((err as Error).message)) continue
      throw err
    }
  }
}

export interface HandMade {
  service: string
  network: string
  alias?: string
  tag?: string
  env?: string[]
  labels?: Record<string, string>
  hostConfig?: Docker.HostConfig
  extraAliases?: string[]
}

/** A container of the service as a user would start it: `docker run --label zdd.service=… --network … --network-alias …`. */
export async function runHandMade(opts: HandMade): Promise<string> {
  const container = await docker().createContainer({
    Image: `${APP_REPO}:${opts.tag ?? 'v1'}`,
    Labels: { 'zdd.service': opts.service, ...opts.labels, ...TEST_LABELS },
    ...(opts.env ? { Env: opts.env } : {}),
    HostConfig: { RestartPolicy: { Name: 'unless-stopped' }, ...opts.hostConfig, NetworkMode: opts.network },
    NetworkingConfig: { EndpointsConfig: { [opts.network]: { Aliases: [opts.alias ?? opts.service, ...(opts.extraAliases ?? [])] } } }
  })
  await container.start()
  return container.id
}

export interface ContainerFacts {
  id: string
  name: string
  image: string
  imageId: string
  state: string
  health?: string
  ip: string
  aliases: string[]
  labels: Record<string, string>
  env: string[]
  info: Docker.ContainerInspectInfo
}

/** Every container carrying these labels, inspected, oldest first. */
export async function containersLabelled(labels: Record<string, string>, network: string): Promise<ContainerFacts[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }) })
  const infos = await Promise.all(list.map((c) => docker().getContainer(c.Id).inspect()))
  return infos
    .sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created))
    .map((info) => {
      const endpoint = (info.NetworkSettings.Networks as Record<string, Docker.EndpointSettings>)[network]
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        image: info.Config.Image,
        imageId: info.Image,
        state: info.State.Status,
        ...(info.State.Health?.Status ? { health: info.State.Health.Status } : {}),
        ip: endpoint?.IPAddress ?? '',
        aliases: ((endpoint?.Aliases ?? []) as string[]).filter((a) => a !== info.Id.slice(0, 12)),
        labels: info.Config.Labels ?? {},
        env: info.Config.Env ?? [],
        info
      }
    })
}

export const ofService = (service: string, network: string): Promise<ContainerFacts[]> => containersLabelled({ 'zdd.service': service }, network)

/** Waits until `n` containers of the service run healthy. */
export async function waitHealthy(service: string, network: string, n: number): Promise<ContainerFacts[]> {
  return waitFor(`${n} healthy container(s) of ${service}`, async () => {
    const running = (await ofService(service, network)).filter((c) => c.state === 'running' && (c.health ?? 'healthy') === 'healthy')
    return running.length === n ? running : false
  }, { timeoutMs: 30_000, intervalMs: 250 })
}

/** The addresses Docker's DNS gives for `name` on the network, asked from inside a container there (busybox nslookup). */
export async function resolve(container: string, name: string): Promise<string[]> {
  const exec = await docker().getContainer(container).exec({ Cmd: ['nslookup', name, '127.0.0.11'], AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Buffer[] = []
  await new Promise<void>((done, fail) => {
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => done())
    stream.on('error', fail)
  })
  const text = Buffer.concat(chunks).toString('latin1')
  // After the "Name: <name>" lines come the answers; the server's own address (127.0.0.11) is not one.
  return [...text.matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)\b(?!:)/g)].map((m) => m[1]).filter((ip) => ip !== '127.0.0.11')
}

/** Registers the removal of everything a rollout of `service` on `network` may leave, then of the network. */
export function cleanUpPlainService(cleanup: Cleanup, service: string, network: string): void {
  cleanup.network(network)
  cleanUpPlainContainers(cleanup, service)
}

/** Registers the removal of the containers a rollout of `service` may leave (its network is someone else's). */
export function cleanUpPlainContainers(cleanup: Cleanup, service: string): void {
  cleanup.add(async () => {
    const d = docker()
    const selectors = [`zdd.service=${service}`, `zdd.companion-of=${service}`, `zdd.run-of=${service}`, `zdd.lock-of=${service}`]
    for (const label of selectors) {
      for (const c of await d.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) })) {
        await d.getContainer(c.Id).remove({ force: true, v: true }).catch((err: unknown) => {
          if (statusCode(err) !== 404) throw err
        })
      }
    }
  })
}

export { removeNetwork }
