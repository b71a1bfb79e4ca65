// A replacement container is cloned from a running one: what is kept, what is left to the new image,
// and what belongs to the old container alone. Pure tables, from the Engine's inspect format.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import { cloneTemplate, containerConfig, firstTemplate, publishedHostPorts } from '../../src/targets/container-spec.js'
import type { ContainerInfo, ImageConfig } from '../../src/targets/docker-api.js'

const ID = 'abcdef123456' + '0'.repeat(52)

const OLD_IMAGE: ImageConfig = {
  Env: ['PATH=/usr/bin:/bin', 'VERSION=v1'],
  Cmd: null,
  Entrypoint: ['/start.sh'],
  WorkingDir: '',
  User: '',
  Labels: { 'org.opencontainers.image.version': 'v1', shared: 'image' },
  Healthcheck: { Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/health'], Interval: 1e9 },
  ExposedPorts: { '80/tcp': {} },
  Volumes: { '/data': {} }
}

function source(overrides: { Config?: Partial<ContainerInfo['Config']>; HostConfig?: Docker.HostConfig; Networks?: Record<string, Docker.EndpointSettings> } = {}): ContainerInfo {
  return {
    Id: ID,
    Name: '/api-1',
    Image: 'sha256:' + '1'.repeat(64),
    Created: '2024-01-01T00:00:00Z',
    State: { Status: 'running', Running: true } as ContainerInfo['State'],
    RestartCount: 0,
    Config: {
      Hostname: ID.slice(0, 12),
      Domainname: '',
      User: '',
      Image: 'reg/app:v1',
      Env: ['PATH=/usr/bin:/bin', 'VERSION=v1', 'DB_URL=postgres://db/app'],
      Cmd: null as unknown as string[],
      Entrypoint: ['/start.sh'],
      WorkingDir: '',
      Labels: { 'org.opencontainers.image.version': 'v1', shared: 'mine', team: 'web', 'zdd.service': 'api', 'zdd.previous-image': 'reg/app:v0@sha256:0', 'zdd.alias': 'api' },
      Healthcheck: { Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/health'], Interval: 1e9 },
      ExposedPorts: { '80/tcp': {}, '9090/tcp': {} },
      Volumes: { '/data': {} },
      Tty: false,
      OpenStdin: false,
      ...overrides.Config
    } as ContainerInfo['Config'],
    HostConfig: {
      NetworkMode: 'appnet',
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Binds: ['/srv/uploads:/uploads:ro'],
      Mounts: [{ Type: 'volume', Source: 'cache', Target: '/cache' }],
      Memory: 268435456,
      NanoCpus: 500000000,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
      PublishAllPorts: false,
      Links: ['/db:/api-1/db'],
      AutoRemove: false,
      ...overrides.HostConfig
    },
    NetworkSettings: {
      Networks: overrides.Networks ?? {
        appnet: { Aliases: ['api', 'api-internal', ID.slice(0, 12)], IPAddress: '10.1.0.5', IPAMConfig: { IPv4Address: '10.1.0.5' } },
        metrics: { Aliases: ['api-metrics', ID.slice(0, 12)], IPAddress: '10.2.0.5' },
        bridge: { IPAddress: '172.17.0.5' }
      }
    }
  } as unknown as ContainerInfo
}

describe('cloneTemplate', () => {
  const { config, network, extraNetworks } = cloneTemplate(source(), OLD_IMAGE, 'appnet')

  it('keeps what the container was given', () => {
    expect(config.Env).toEqual(['DB_URL=postgres://db/app'])
    expect(config.Labels).toEqual({ shared: 'mine', team: 'web' })
    expect(config.ExposedPorts).toEqual({ '9090/tcp': {} })
    expect(config.HostConfig).toMatchObject({
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Binds: ['/srv/uploads:/uploads:ro'],
      Mounts: [{ Type: 'volume', Source: 'cache', Target: '/cache' }],
      Memory: 268435456,
      NanoCpus: 500000000,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      NetworkMode: 'appnet'
    })
    expect(network).toBe('appnet')
    // Other networks and the aliases there; the default bridge takes none; Docker's own ID alias is left to Docker.
    expect(extraNetworks).toEqual([{ network: 'metrics', aliases: ['api-metrics'] }, { network: 'bridge', aliases: [] }])
  })

  it('leaves what only came from the old image to the new one', () => {
    for (const key of ['Cmd', 'Entrypoint', 'WorkingDir', 'User', 'Healthcheck', 'Volumes', 'StopSignal', 'Hostname'] as const) {
      expect([key, config[key]]).toEqual([key, undefined])
    }
    expect(config.Env).not.toContain('VERSION=v1')
  })

  it('drops what belongs to the old container alone: host ports, links, its own bookkeeping labels, its address', () => {
    const host = config.HostConfig as Record<string, unknown>
    for (const key of ['PortBindings', 'PublishAllPorts', 'Links', 'AutoRemove']) expect([key, host[key]]).toEqual([key, undefined])
    expect(config.Labels).not.toHaveProperty('zdd.service')
    expect(config.Labels).not.toHaveProperty('zdd.previous-image')
    expect(config.NetworkingConfig).toBeUndefined()
  })

  type Row = [string, Partial<ContainerInfo['Config']>, Partial<Docker.ContainerCreateOptions>]
  const overridden: Row[] = [
    ['a command of its own', { Cmd: ['--port', '8080'] }, { Cmd: ['--port', '8080'] }],
    ['an entrypoint of its own', { Entrypoint: ['/bin/app'] }, { Entrypoint: ['/bin/app'] }],
    ['a user and workdir of its own', { User: '1000:1000', WorkingDir: '/srv' }, { User: '1000:1000', WorkingDir: '/srv' }],
    ['a health check of its own', { Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 } }, { Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 } }],
    ['a stop signal and timeout of its own', { StopSignal: 'SIGINT', StopTimeout: 30 }, { StopSignal: 'SIGINT', StopTimeout: 30 }],
    ['an env value it changed', { Env: ['PATH=/usr/bin:/bin', 'VERSION=pinned'] }, { Env: ['VERSION=pinned'] }],
    ['a hostname it was given', { Hostname: 'api.internal' }, { Hostname: 'api.internal' }]
  ]
  it.each(overridden)('keeps %s', (_name, given, kept) => {
    expect(cloneTemplate(source({ Config: given }), OLD_IMAGE, 'appnet').config).toMatchObject(kept)
  })

  it('keeps everything it has when the old image is gone (nothing to tell image values from its own)', () => {
    const { config: all } = cloneTemplate(source(), undefined, 'appnet')
    expect(all.Env).toEqual(['PATH=/usr/bin:/bin', 'VERSION=v1', 'DB_URL=postgres://db/app'])
    expect(all.Entrypoint).toEqual(['/start.sh'])
    expect(all.Healthcheck).toEqual(OLD_IMAGE.Healthcheck)
  })
})

describe('containerConfig', () => {
  it('puts in the release, the name, our labels and the aliases on the service network only', () => {
    const template = cloneTemplate(source(), OLD_IMAGE, 'appnet')
    const config = containerConfig(template, { name: 'api-bbbbbbbb-1a2b3c', image: 'reg/app:v2@sha256:b', labels: { 'zdd.service': 'api' }, aliases: [] })
    expect(config).toMatchObject({
      name: 'api-bbbbbbbb-1a2b3c',
      Image: 'reg/app:v2@sha256:b',
      Labels: { shared: 'mine', team: 'web', 'zdd.service': 'api' },
      NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: [] } } }
    })
    // The template is not changed by making a container from it.
    expect(template.config.name).toBeUndefined()
  })

  it('makes a first deploy from the inputs: the network, the env, restarted unless stopped', () => {
    const config = containerConfig(firstTemplate('appnet', ['A=1']), { name: 'api-1', image: 'reg/app:v1@sha256:a', labels: { 'zdd.service': 'api' }, aliases: ['api'] })
    expect(config).toEqual({
      name: 'api-1',
      Image: 'reg/app:v1@sha256:a',
      Env: ['A=1'],
      Labels: { 'zdd.service': 'api' },
      HostConfig: { NetworkMode: 'appnet', RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
      NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: ['api'] } } }
    })
  })
})

describe('publishedHostPorts', () => {
  it('names the port a random binding got once the container runs', () => {
    const running = source({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } })
    ;(running.NetworkSettings as unknown as { Ports: unknown }).Ports = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }] }
    expect(publishedHostPorts(running)).toEqual(['32768'])
  })

  it.each([
    ['a bound port', { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } }, ['8080']],
    ['a random host port, before it runs', { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } }, ['a random port for 80/tcp']],
    ['none', { PortBindings: {} }, []],
    ['-P', { PortBindings: {}, PublishAllPorts: true }, ['all exposed ports (-P)']]
  ] as Array<[string, Docker.HostConfig, string[]]>)('%s', (_name, host, ports) => {
    expect(publishedHostPorts(source({ HostConfig: host }))).toEqual(ports)
  })
})
