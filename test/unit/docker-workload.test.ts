// What a set of plain containers amounts to for the engine, and the small pure pieces around it: where
// the health gate is probed, which platform a run uses, what an interrupted run's leftovers call for,
// the one-file tar of the deploy lock, and the address the subnet probe asks for.
import { describe, expect, it } from '@jest/globals'
import { extract } from 'tar-stream'
import { Readable } from 'node:stream'
import { lastHost } from '../../src/targets/docker-fleet.js'
import { recoveryAction, type RecoveryFacts } from '../../src/targets/docker-recover.js'
import { describeFailure, isFailed, isReady, observeContainers, urlAt, type ContainerView } from '../../src/targets/docker-workload.js'
import { choosePlatform } from '../../src/targets/platform-choice.js'
import { firstFileOf, tarOneFile } from '../../src/targets/tiny-tar.js'

const NEW = 'sha256:new'
const OLD = 'sha256:old'

function c(name: string, over: Partial<ContainerView> = {}): ContainerView {
  return { id: name, name, imageId: NEW, image: 'app:v2', created: 2000, labels: {}, state: 'running', restartCount: 0, exitCode: 0, error: '', aliases: ['api'], onNetwork: true, ip: '10.0.0.1', ...over }
}

describe('one container', () => {
  it.each([
    ['running without a health check', c('a'), { ready: true, failed: false }],
    ['healthy', c('a', { health: 'healthy' }), { ready: true, failed: false }],
    ['health starting', c('a', { health: 'starting' }), { ready: false, failed: false }],
    ['unhealthy', c('a', { health: 'unhealthy' }), { ready: false, failed: true }],
    ['exited', c('a', { state: 'exited', exitCode: 1 }), { ready: false, failed: true }],
    ['restarting', c('a', { state: 'restarting', restartCount: 2, exitCode: 1 }), { ready: false, failed: true }],
    ['running again after a crash', c('a', { restartCount: 1 }), { ready: true, failed: true }],
    ['created, not started yet', c('a', { state: 'created' }), { ready: false, failed: false }]
  ])('%s', (_name, view, expected) => {
    expect({ ready: isReady(view), failed: isFailed(view) }).toEqual(expected)
  })

  it.each([
    [c('api-1', { state: 'exited', exitCode: 1 }), 'container api-1 exited (exit 1)'],
    [c('api-1', { state: 'restarting', exitCode: 1, restartCount: 3 }), 'container api-1 restarting (exit 1, restarted 3 time(s))'],
    [c('api-1', { health: 'unhealthy', healthLog: 'wget: server returned error: HTTP/1.0 404 Not Found' }), 'container api-1 unhealthy: wget: server returned error: HTTP/1.0 404 Not Found'],
    [c('api-1', { state: 'dead', error: 'OCI runtime create failed' }), 'container api-1 dead: OCI runtime create failed'],
    [c('api-1', { restartCount: 1 }), 'container api-1 exited and was restarted 1 time(s)']
  ])('says why %#', (view, text) => {
    expect(describeFailure(view)).toBe(text)
  })
})

describe('observeContainers', () => {
  const rules = { onRelease: (v: ContainerView) => v.imageId === NEW, desired: 3, since: 1000, alias: 'api' }
  it.each([
    ['mid-batch: a new one starting off the alias, three old serving', [c('n1', { health: 'starting', aliases: [] }), c('o1', { imageId: OLD }), c('o2', { imageId: OLD }), c('o3', { imageId: OLD })], { ready: 0, starting: 1, failed: 0, others: 3 }],
    ['a new one ready, an old one drained (still running, out of the alias), one stopped', [c('n1', { aliases: [] }), c('o1', { imageId: OLD, aliases: [] }), c('o2', { imageId: OLD, state: 'exited' }), c('o3', { imageId: OLD })], { ready: 1, starting: 0, failed: 0, others: 1 }],
    ['a crash of this run counts; one from before it does not', [c('n1', { state: 'exited', exitCode: 1 }), c('n0', { state: 'exited', exitCode: 1, created: 500 })], { ready: 0, starting: 0, failed: 1, others: 0 }]
  ])('%s', (_name, views, counts) => {
    const o = observeContainers(views, rules)
    expect({ ready: o.ready, starting: o.starting, failed: o.failed, others: o.others }).toEqual(counts)
  })

  it('with readyMeansServing (a revert), a healthy container counts only once it is back in the alias', () => {
    const o = observeContainers([c('o1', { aliases: [] }), c('o2')], { ...rules, readyMeansServing: true })
    expect([o.ready, o.starting]).toEqual([1, 1])
  })

  it('lists failures newest first', () => {
    const o = observeContainers([c('n1', { state: 'exited', exitCode: 1, created: 2000 }), c('n2', { state: 'exited', exitCode: 2, created: 3000 })], rules)
    expect(o.failures).toEqual(['container n2 exited (exit 2)', 'container n1 exited (exit 1)'])
  })
})

describe('urlAt: the health gate at a container\'s own address', () => {
  it.each([
    ['http://api/health', '10.0.0.7', 'http://10.0.0.7/health'],
    ['http://api.example:8080/ready?deep=1', '10.0.0.7', 'http://10.0.0.7:8080/ready?deep=1'],
    ['https://127.0.0.1:8443/health', '172.18.0.3', 'https://172.18.0.3:8443/health'],
    ['http://api/health', 'fd00::5', 'http://[fd00::5]/health']
  ])('%s at %s', (url, ip, expected) => {
    expect(urlAt(new URL(url), ip).href).toBe(expected)
  })
})

describe('choosePlatform', () => {
  it.each([
    ['auto, a Swarm service', 'auto', { manager: true, serviceExists: true }, 'swarm', 'api is a service of this Swarm'],
    ['auto, a manager without that service', 'auto', { manager: true, serviceExists: false }, 'docker', 'this Swarm has no service api: containers labelled zdd.service=api'],
    ['auto, no Swarm', 'auto', { manager: false, serviceExists: false }, 'docker', 'the engine is no Swarm manager: containers labelled zdd.service=api'],
    ['docker even on a Swarm with that service', 'docker', { manager: true, serviceExists: true }, 'docker', 'platform: docker'],
    ['swarm, as asked', 'swarm', { manager: false, serviceExists: false }, 'swarm', 'platform: swarm']
  ] as const)('%s', (_name, requested, facts, kind, why) => {
    expect(choosePlatform(requested, facts, 'api')).toEqual({ kind, why })
  })
})

describe('recoveryAction: what an interrupted run on a plain host left', () => {
  const facts = (f: Partial<RecoveryFacts>): RecoveryFacts => ({ captured: 3, capturedLeft: 3, capturedServing: 3, others: 0, othersServing: 0, ...f })
  it.each([
    ['nothing changed yet', facts({}), 'nothing'],
    ['a new container started, not in service yet', facts({ others: 1 }), 'revert'],
    ['mid-rollout: one old drained and stopped, one new serving', facts({ capturedServing: 2, others: 1, othersServing: 1 }), 'revert'],
    ['blue-green switched, old kept stopped for scale-down-delay', facts({ capturedServing: 0, others: 3, othersServing: 3 }), 'revert'],
    ['every gate passed, the old ones being removed', facts({ capturedLeft: 1, capturedServing: 0, others: 3, othersServing: 3 }), 'finish'],
    ['every gate passed, the old ones removed', facts({ capturedLeft: 0, capturedServing: 0, others: 3, othersServing: 3 }), 'finish'],
    ['a first deploy, all it started serving', facts({ captured: 0, capturedLeft: 0, capturedServing: 0, others: 2, othersServing: 2 }), 'nothing'],
    ['a first deploy, one started and not in service', facts({ captured: 0, capturedLeft: 0, capturedServing: 0, others: 2, othersServing: 1 }), 'revert']
  ] as const)('%s', (_name, f, action) => {
    expect(recoveryAction(f)).toBe(action)
  })
})

describe('tiny-tar', () => {
  it('writes a tar that a standard reader reads, and reads its own', async () => {
    const tar = tarOneFile('zdd-lock.json', '{"owner":"ana"}', 1_700_000_000)
    expect(tar.length % 512).toBe(0)
    expect(firstFileOf(tar)).toBe('{"owner":"ana"}')
    const entries: Array<{ name: string; size?: number; body: string }> = []
    await new Promise<void>((done, fail) => {
      const x = extract()
      x.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = []
        stream.on('data', (d: unknown) => chunks.push(d as Buffer))
        stream.on('end', () => {
          entries.push({ name: header.name, size: header.size, body: Buffer.concat(chunks).toString() })
          next()
        })
      })
      x.on('finish', done)
      x.on('error', fail)
      Readable.from([tar]).pipe(x)
    })
    expect(entries).toEqual([{ name: 'zdd-lock.json', size: 15, body: '{"owner":"ana"}' }])
  })

  it('finds nothing in an empty archive', () => {
    expect(firstFileOf(Buffer.alloc(1024))).toBeUndefined()
  })
})

describe('lastHost: the address the subnet probe asks for', () => {
  it.each([
    ['10.231.77.0/24', '10.231.77.254'],
    ['172.20.0.0/16', '172.20.255.254'],
    ['192.168.4.0/30', '192.168.4.2'],
    ['10.0.0.0/31', undefined],
    ['fd00::/64', undefined]
  ])('%s', (cidr, ip) => {
    expect(lastHost(cidr)).toBe(ip)
  })
})
