import { describe, it, expect } from '@jest/globals'
import { formatImageRef, isValidTag, parseImageRef, registryHost, withDigest } from '../../src/docker/image-ref.js'

const HEX = 'a'.repeat(64)
const DIGEST = `sha256:${HEX}`

describe('parseImageRef', () => {
  it.each([
    ['app', { repository: 'app' }],
    ['app:v1', { repository: 'app', tag: 'v1' }],
    ['library/nginx:1.27-alpine', { repository: 'library/nginx', tag: '1.27-alpine' }],
    ['ghcr.io/owner/app', { repository: 'ghcr.io/owner/app' }],
    ['ghcr.io/owner/team/app:main', { repository: 'ghcr.io/owner/team/app', tag: 'main' }],
    ['127.0.0.1:5000/app:v1', { repository: '127.0.0.1:5000/app', tag: 'v1' }],
    ['127.0.0.1:5000/app', { repository: '127.0.0.1:5000/app' }],
    ['localhost/app', { repository: 'localhost/app' }],
    ['localhost:5000/a/b:c', { repository: 'localhost:5000/a/b', tag: 'c' }],
    ['[::1]:5000/app:v1', { repository: '[::1]:5000/app', tag: 'v1' }],
    ['my-registry.example.com:443/x.y_z__w--v:T_1.2-3', { repository: 'my-registry.example.com:443/x.y_z__w--v', tag: 'T_1.2-3' }],
    [`app@${DIGEST}`, { repository: 'app', digest: DIGEST }],
    [`127.0.0.1:5000/app:v1@${DIGEST}`, { repository: '127.0.0.1:5000/app', tag: 'v1', digest: DIGEST }],
    [`app:${'t'.repeat(128)}`, { repository: 'app', tag: 't'.repeat(128) }]
  ])('%s', (text, ref) => {
    expect(parseImageRef(text)).toEqual(ref)
    expect(formatImageRef(parseImageRef(text)!)).toBe(text)
  })

  it.each([
    '',
    'App',
    'team/App',
    'my app',
    'app:',
    'app:-v1',
    'app:.v1',
    `app:${'t'.repeat(129)}`,
    'app:v1:v2',
    'app@sha256:abc',
    `app@sha256:${'A'.repeat(64)}`,
    `app@md5:${HEX}`,
    'app@',
    '/app',
    'app/',
    'a//b',
    'ghcr.io/',
    'a..b',
    'a_-b',
    'a___b',
    '-app',
    'app-',
    '_app',
    'registry_host.io/app',
    '-host.io/app',
    `x/${'a'.repeat(254)}`
  ])('rejects %j', (text) => {
    expect(parseImageRef(text)).toBeUndefined()
  })
})

describe('registryHost', () => {
  it.each([
    ['app', 'docker.io'],
    ['library/nginx', 'docker.io'],
    ['owner/app', 'docker.io'],
    ['ghcr.io/owner/app', 'ghcr.io'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app', 'localhost:5000'],
    ['[::1]:5000/app', '[::1]:5000']
  ])('%s → %s', (repository, host) => {
    expect(registryHost(repository)).toBe(host)
  })
})

describe('withDigest', () => {
  it('joins a repository and a digest', () => {
    expect(withDigest('127.0.0.1:5000/app', DIGEST)).toBe(`127.0.0.1:5000/app@${DIGEST}`)
    expect(withDigest('app', HEX)).toBe(`app@${DIGEST}`)
  })
})

describe('isValidTag', () => {
  it('follows [\\w][\\w.-]{0,127}', () => {
    expect(isValidTag('v1.2.3-rc_1')).toBe(true)
    expect(isValidTag('_x')).toBe(true)
    expect(isValidTag('.x')).toBe(false)
    expect(isValidTag('a/b')).toBe(false)
    expect(isValidTag('')).toBe(false)
  })
})
