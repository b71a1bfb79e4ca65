// The configuration of a new container, pure: cloned from a running one of the service (everything it
// was given: env, mounts, networks and aliases, labels, restart policy, health check, resources, log
// config, user, workdir, entrypoint/cmd, stop signal and timeout) with a new image, or, for a first
// deploy, made from the inputs. Not cloned: its name, its address, and host ports.
import type Docker from 'dockerode'
import type { ContainerConfig } from '../release/config-change.js'
import type { ContainerInfo, ImageConfig } from './docker-api.js'

/** What a container is created from, before a release, name, labels and aliases are put in. */
export interface ContainerTemplate {
  config: Docker.ContainerCreateOptions
  /** The service's network: the container is created on it. */
  network: string
  /** Other networks it joins before it starts, with its aliases there. */
  extraNetworks: Array<{ network: string; aliases: string[] }>
}

// The ones we set ourselves on every container we make; never carried over from the one cloned.
const OWN_LABEL = /^zdd\.(service|companion-of|role|alias|network|previous-image|previous-config|canary-.*)$/

// Settings that belong to one container and must not be copied to its replacement.
const PER_CONTAINER_HOST_CONFIG = ['PortBindings', 'PublishAllPorts', 'Links', 'ContainerIDFile', 'AutoRemove', 'NetworkMode'] as const

/**
 * The template for replacements of `source`. What the container only has because its old image said so
 * (env entries, labels, cmd, entrypoint, workdir, user, health check, stop signal, exposed ports and
 * volumes equal to the old image's) is left out, so that the new image's own values apply: the new
 * release must not inherit, say, the old image's VERSION variable.
 */
export function cloneTemplate(source: ContainerInfo, oldImage: ImageConfig | undefined, network: string): ContainerTemplate {
  const c = source.Config
  const img = oldImage ?? {}
  const same = (a: unknown, b: unknown): boolean => oldImage !== undefined && JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
  const config: Docker.ContainerCreateOptions = {}
  const imageEnv = new Set(img.Env ?? [])
  const env = (c.Env ?? []).filter((e) => !imageEnv.has(e))
  if (env.length) config.Env = env
  const imageLabels = img.Labels ?? {}
  const labels = Object.fromEntries(Object.entries(c.Labels ?? {}).filter(([k, v]) => !OWN_LABEL.test(k) && imageLabels[k] !== v))
  if (Object.keys(labels).length) config.Labels = labels
  if (c.Cmd && !same(c.Cmd, img.Cmd)) config.Cmd = c.Cmd
  if (c.Entrypoint && !same(c.Entrypoint, img.Entrypoint)) config.Entrypoint = c.Entrypoint
  if (c.WorkingDir && !same(c.WorkingDir, img.WorkingDir)) config.WorkingDir = c.WorkingDir
  if (c.User && !same(c.User, img.User)) config.User = c.User
  if (c.Healthcheck && !same(c.Healthcheck, img.Healthcheck)) config.Healthcheck = c.Healthcheck
  if (c.StopSignal && !same(c.StopSignal, img.StopSignal)) config.StopSignal = c.StopSignal
  if (c.StopTimeout !== undefined && c.StopTimeout !== null) config.StopTimeout = c.StopTimeout
  const exposed = withoutKeys(c.ExposedPorts, img.ExposedPorts)
  if (exposed) config.ExposedPorts = exposed
  const volumes = withoutKeys(c.Volumes, img.Volumes)
  if (volumes) config.Volumes = volumes
  // Docker makes the hostname the container's short ID unless one was given; only a given one is kept.
  if (c.Hostname && c.Hostname !== source.Id.slice(0, 12)) config.Hostname = c.Hostname
  if (c.Domainname) config.Domainname = c.Domainname
  if (c.Tty) config.Tty = true
  if (c.OpenStdin) config.OpenStdin = true

  const host: Docker.HostConfig = structuredClone(source.HostConfig ?? {})
  for (const key of PER_CONTAINER_HOST_CONFIG) delete (host as Record<string, unknown>)[key]
  config.HostConfig = { ...host, NetworkMode: network }

  const extraNetworks = Object.entries(source.NetworkSettings?.Networks ?? {})
    .filter(([name]) => name !== network && name !== 'host' && name !== 'none')
    .map(([name, endpoint]) => ({
      network: name,
      // The default bridge takes no aliases; elsewhere the container's own ID alias is Docker's to add.
      aliases: name === 'bridge' ? [] : ((endpoint.Aliases ?? []) as string[]).filter((a) => a !== source.Id.slice(0, 12) && a !== source.Id)
    }))
  return { config, network, extraNetworks }
}

/** The template of a first deploy: the release on the network, the given environment, restarted unless stopped. */
export function firstTemplate(network: string, env: string[]): ContainerTemplate {
  const config: Docker.ContainerCreateOptions = { HostConfig: { NetworkMode: network, RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } } }
  if (env.length) config.Env = env
  return { config, network, extraNetworks: [] }
}

/** The template with the env and labels of a release (see release-spec.ts releaseConfig). */
export function withConfig(template: ContainerTemplate, config: ContainerConfig): ContainerTemplate {
  const { Env: _env, Labels: _labels, ...rest } = template.config
  return {
    ...template,
    config: { ...rest, ...(config.env.length ? { Env: config.env } : {}), ...(Object.keys(config.labels).length ? { Labels: config.labels } : {}) }
  }
}

/** The env and labels the template gives a container (not the image's own). */
export function templateConfig(template: ContainerTemplate): ContainerConfig {
  return { env: [...(template.config.Env ?? [])], labels: { ...template.config.Labels } }
}

/** The create options of one container from the template. */
export function containerConfig(
  template: ContainerTemplate,
  args: { name: string; image: string; labels: Record<string, string>; aliases: string[] }
): Docker.ContainerCreateOptions {
  const config = structuredClone(template.config)
  return {
    ...config,
    name: args.name,
    Image: args.image,
    Labels: { ...config.Labels, ...args.labels },
    NetworkingConfig: { EndpointsConfig: { [template.network]: { Aliases: args.aliases } } }
  }
}

/** Host ports a container publishes (a replacement cannot bind them while it runs): as bound, or as asked. */
export function publishedHostPorts(source: ContainerInfo): string[] {
  const bound = (source.NetworkSettings as { Ports?: Record<string, Array<{ HostPort?: string }> | null> }).Ports
  const asked = source.HostConfig?.PortBindings as Record<string, Array<{ HostPort?: string }> | null> | undefined
  const ports = Object.entries(asked ?? {}).flatMap(([port, bindings]) =>
    (bindings ?? []).map((b, i) => b.HostPort || bound?.[port]?.[i]?.HostPort || `a random port for ${port}`)
  )
  if (source.HostConfig?.PublishAllPorts) ports.push('all exposed ports (-P)')
  return [...new Set(ports)]
}

function withoutKeys(own: Record<string, object> | null | undefined, image: Record<string, object> | null | undefined): Record<string, object> | undefined {
  const kept = Object.keys(own ?? {}).filter((k) => !(image && k in image))
  return kept.length ? Object.fromEntries(kept.map((k) => [k, {}])) : undefined
}
