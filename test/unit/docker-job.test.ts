// pre-deploy / post-deploy on a plain host: the job container's create options from the workload's
// template, and the reading of a container's framed output as it arrives.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import type { ContainerTemplate } from '../../src/targets/container-spec.js'
import { firstTemplate } from '../../src/targets/container-spec.js'
import { dockerJobOptions, type DockerJobArgs } from '../../src/targets/docker-job.js'
import { jobName } from '../../src/targets/job-labels.js'
import { FrameLines } from '../../src/targets/log-frames.js'

const TOKEN = '5b0c3f0e-0d6e-4c43-9a53-1f2b7e8d9a10'
const IMAGE = `reg/app:v2@sha256:${'b'.repeat(64)}`

/** A template as cloned from a running container of a service that has everything set. */
const cloned = (): ContainerTemplate => ({
  network: 'backend',
  extraNetworks: [{ network: 'metrics', aliases: ['api-metrics'] }, { network: 'bridge', aliases: [] }],
  config: {
    Env: ['DB_URL=postgres://db/app', 'FEATURE=on'],
    Labels: { 'traefik.enable': 'true', 'traefik.http.routers.api.rule': 'Host(`api.example.com`)', 'zdd.release': '0123456789ab' },
    Cmd: ['serve', '--port', '80'],
    Entrypoint: ['/app/entry.sh'],
    WorkingDir: '/srv',
    User: 'app',
    Healthcheck: { Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/health'], Interval: 1e9 },
    StopSignal: 'SIGQUIT',
    ExposedPorts: { '80/tcp': {} },
    Volumes: { '/cache': {} },
    Tty: true,
    OpenStdin: true,
    HostConfig: {
      Binds: ['/srv/data:/data'],
      Mounts: [{ Type: 'volume', Source: 'uploads', Target: '/uploads' }],
      Memory: 64 * 1024 * 1024,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      PortBindings: { '80/tcp': [{ HostPort: '8080' }] },
      PublishAllPorts: true,
      AutoRemove: true,
      ExtraHosts: ['db:10.0.0.5'],
      NetworkMode: 'backend'
    }
  }
})

const args = (phase: DockerJobArgs['phase'], command: DockerJobArgs['command']): DockerJobArgs => ({ service: 'api', phase, command, runToken: TOKEN, image: IMAGE })
const labels = (phase: string): Record<string, string> => ({ 'zdd.job-of': 'api', 'zdd.job': phase, 'zdd.job-run': TOKEN })

describe('dockerJobOptions', () => {
  it.each<[string, ContainerTemplate, DockerJobArgs, Docker.ContainerCreateOptions, string[]]>([
    [
      'a cloned workload: its env, mounts, user, workdir and resources, none of its labels, aliases, ports, restart, health check or TTY',
      cloned(),
      args('pre-deploy', { kind: 'exec', argv: ['./migrate', 'up'] }),
      {
        name: jobName('api', 'pre-deploy', TOKEN),
        Image: IMAGE,
        Env: ['DB_URL=postgres://db/app', 'FEATURE=on'],
        Entrypoint: ['./migrate', 'up'],
        WorkingDir: '/srv',
        User: 'app',
        StopSignal: 'SIGQUIT',
        Volumes: { '/cache': {} },
        Healthcheck: { Test: ['NONE'] },
        Labels: labels('pre-deploy'),
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: {
          Binds: ['/srv/data:/data'],
          Mounts: [{ Type: 'volume', Source: 'uploads', Target: '/uploads' }],
          Memory: 64 * 1024 * 1024,
          LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
          ExtraHosts: ['db:10.0.0.5'],
          NetworkMode: 'backend',
          RestartPolicy: { Name: 'no' }
        },
        NetworkingConfig: { EndpointsConfig: { backend: {} } }
      },
      ['metrics', 'bridge']
    ],
    [
      'a first deploy: the network and the env-file env; a shell command replaces ENTRYPOINT and CMD',
      firstTemplate('web', ['FROM_FILE=1']),
      args('post-deploy', { kind: 'shell', script: './migrate contract && echo done' }),
      {
        name: jobName('api', 'post-deploy', TOKEN),
        Image: IMAGE,
        Env: ['FROM_FILE=1'],
        Entrypoint: ['/bin/sh', '-c', './migrate contract && echo done'],
        Healthcheck: { Test: ['NONE'] },
        Labels: labels('post-deploy'),
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: { NetworkMode: 'web', RestartPolicy: { Name: 'no' } },
        NetworkingConfig: { EndpointsConfig: { web: {} } }
      },
      []
    ]
  ])('%s', (_name, template, jobArgs, options, extraNetworks) => {
    const before = structuredClone(template)
    expect(dockerJobOptions(template, jobArgs)).toEqual({ options, extraNetworks })
    // The workload's template is left as it was.
    expect(template).toEqual(before)
  })
})

/** One frame of Docker's multiplexed stream: 1 stdout, 2 stderr. */
function frame(stream: 1 | 2, text: string | Buffer): Buffer {
  const payload = Buffer.isBuffer(text) ? text : Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

/** Cuts the bytes at these offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [0, ...at, bytes.length]
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end))
}

const both = Buffer.concat([frame(1, 'migrating orders\nstep 1'), frame(2, 'warn: slow\n'), frame(1, ' done\r\n\n'), frame(2, 'no newline')])
const euro = Buffer.from('price 3 €\n')

describe('FrameLines', () => {
  it.each<[string, Buffer[], string[][], string[]]>([
    ['whole frames in one chunk', [both], [['migrating orders', 'warn: slow', 'step 1 done']], ['no newline']],
    ['cut inside a header and inside a payload', cut(both, [3, 12, 40]), [[], [], ['migrating orders'], ['warn: slow', 'step 1 done']], ['no newline']],
    ['cut inside a UTF-8 character', cut(frame(1, euro), [8 + euro.length - 2]), [[], ['price 3 €']], []],
    ['output of a container with a TTY, not framed', [Buffer.from('a\r\nb'), Buffer.from('c\n')], [['a'], ['bc']], []],
    ['nothing at all', [], [], []]
  ])('%s', (_name, chunks, perChunk, atEnd) => {
    const lines = new FrameLines()
    expect(chunks.map((chunk) => lines.push(chunk))).toEqual(perChunk)
    expect(lines.end()).toEqual(atEnd)
  })
})
