// Build, push and digest resolution against the real daemon and the test bed's registries
// (test/testbed/up.sh: open registry on 127.0.0.1:5000, basic auth on 127.0.0.1:5001).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-fs'
import type { RegistryAuth } from '../../src/config/types.js'
import { buildImage, packContext } from '../../src/docker/build.js'
import { createDockerClient } from '../../src/docker/client.js'
import { pushImage } from '../../src/docker/push.js'
import { registryAuthHeader } from '../../src/docker/registry-auth.js'
import { localRepoDigest, resolveDigest } from '../../src/docker/resolve-digest.js'
import { MemoryLog } from '../../src/log.js'
import {
  APP_CONTEXT,
  AUTH_REGISTRY,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
  uniqueName
} from '../support/testbed.js'

const DIGEST = /^sha256:[0-9a-f]{64}$/
const docker = createDockerClient({ kind: 'unix', socketPath: '/var/run/docker.sock' })
const auth: RegistryAuth = { username: REGISTRY_USER, password: REGISTRY_PASSWORD, serveraddress: AUTH_REGISTRY }

// Everything this file creates, removed at the end.
const images: string[] = []
const folders: string[] = []

/** The files under `dir` in a created (never started) container of `image`, relative to `dir`. */
async function filesIn(image: string, dir: string): Promise<string[]> {
  const container = await docker.createContainer({ Image: image, Cmd: ['/not-run'], Labels: { 'zdd.test': '1' } })
  const out = mkdtempSync(path.join(tmpdir(), 'zdd-archive-'))
  folders.push(out)
  try {
    await pipeline(await container.getArchive({ path: dir }), tar.extract(out))
  } finally {
    await container.remove({ force: true })
  }
  return listFiles(path.join(out, path.basename(dir)))
}

/** Files (not folders) under root, relative to it, sorted. */
function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
    .sort()
}

/** A throwaway build context made of `files` (path → content). */
function makeContext(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'zdd-context-'))
  folders.push(dir)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  return dir
}

function tagged(registry: string, name = 'zdd-build-test'): { repository: string; tag: string; ref: string } {
  const tag = uniqueName('t')
  const repository = `${registry}/${name}`
  images.push(`${repository}:${tag}`)
  return { repository, tag, ref: `${repository}:${tag}` }
}

afterAll(async () => {
  for (const ref of images) await docker.getImage(ref).remove({ force: true }).catch(() => undefined)
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('build and push the fixture app', () => {
  const version = `built-${uniqueName('v')}`
  const { repository, tag, ref } = tagged(REGISTRY)
  const log = new MemoryLog()
  let imageId = ''

  beforeAll(async () => {
    ;({ imageId } = await buildImage(
      docker,
      { context: APP_CONTEXT, dockerfile: 'Dockerfile', buildArgs: { VERSION: version, DOCKER_HEALTH: 'none' }, tags: [ref] },
      log
    ))
  }, 120_000)

  it('returns the image ID and streams the build log into a group', async () => {
    expect(imageId).toMatch(DIGEST)
    const info = await docker.getImage(ref).inspect()
    expect(info.Id).toBe(imageId)
    expect(info.Config.Env).toContain(`ZDD_FIXTURE_VERSION=${version}`) // the build arg arrived
    expect(log.lines[0]).toBe(`[group] Build ${ref}`)
    expect(log.lines.some((l) => /^Step \d+\/\d+ : FROM scratch/.test(l))).toBe(true)
    expect(log.lines.at(-1)).toBe('[endgroup]')
  }, 30_000)

  it('honours .dockerignore but always sends the Dockerfile and .dockerignore', async () => {
    const files = await filesIn(ref, '/.ctx')
    expect(files).toEqual(expect.arrayContaining(['Dockerfile', '.dockerignore', 'start.sh']))
    expect(files).not.toContain('ignored-by-dockerignore.txt')
  }, 30_000)

  it('pushes and returns the digest the registry serves', async () => {
    const pushLog = new MemoryLog()
    const { digest } = await pushImage(docker, repository, tag, undefined, pushLog)
    expect(digest).toMatch(DIGEST)
    expect(await resolveDigest(docker, ref, undefined, pushLog)).toBe(digest)
    expect(await localRepoDigest(docker, ref, repository)).toBe(digest)
    expect(pushLog.lines[0]).toBe(`[group] Push ${ref}`)
    expect(pushLog.lines).toContain(`Pushed ${repository}@${digest}`)
  }, 60_000)
})

describe('build context', () => {
  const ignoringContext = (): string =>
    makeContext({
      'build/Dockerfile': 'FROM scratch\nCOPY . /ctx/\n',
      'build/other.txt': 'ignored with its folder',
      '.dockerignore': '# comment\nbuild\n.dockerignore\n*.secret\nlogs\n!logs/keep.txt\n',
      'app.txt': 'sent',
      'a.secret': 'ignored',
      'logs/drop.txt': 'ignored',
      'logs/keep.txt': 'sent by exception'
    })

  it('sends the Dockerfile and .dockerignore even when ignored, and applies ! exceptions', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'zdd-sent-'))
    folders.push(out)
    await pipeline(packContext(ignoringContext(), 'build/Dockerfile'), tar.extract(out))
    expect(listFiles(out)).toEqual(['.dockerignore', 'app.txt', 'build/Dockerfile', 'logs/keep.txt'])
  }, 30_000)

  it('builds with a Dockerfile in an ignored folder; the daemon leaves ignored files out of COPY', async () => {
    const { ref } = tagged(REGISTRY)
    await buildImage(docker, { context: ignoringContext(), dockerfile: 'build/Dockerfile', buildArgs: {}, tags: [ref] }, new MemoryLog())
    // The daemon applies .dockerignore to COPY too, so the two always-sent files are not copied.
    expect(await filesIn(ref, '/ctx')).toEqual(['app.txt', 'logs/keep.txt'])
  }, 60_000)

  it('rejects a Dockerfile outside the context before calling the daemon', async () => {
    const context = makeContext({ 'app/x.txt': 'x', Dockerfile: 'FROM scratch\n' })
    await expect(
      buildImage(docker, { context: path.join(context, 'app'), dockerfile: '../Dockerfile', buildArgs: {}, tags: ['zdd-never:1'] }, new MemoryLog())
    ).rejects.toThrow(/Dockerfile \.\.\/Dockerfile is outside the build context/)
  }, 30_000)

  it('fails with the daemon message for a bad Dockerfile', async () => {
    const context = makeContext({ Dockerfile: 'FROM scratch\nFROBNICATE now\n' })
    const { ref } = tagged(REGISTRY)
    await expect(
      buildImage(docker, { context, dockerfile: 'Dockerfile', buildArgs: {}, tags: [ref] }, new MemoryLog())
    ).rejects.toThrow(new RegExp(`Build of ${ref.replace(/[.]/g, '\\.')} failed: .*unknown instruction: FROBNICATE`, 'i'))
  }, 30_000)

  it('fails with the daemon message and the last log lines when a step fails', async () => {
    const context = makeContext({ Dockerfile: 'FROM scratch\nCOPY missing.txt /\n' })
    const { ref } = tagged(REGISTRY)
    const error = await buildImage(docker, { context, dockerfile: 'Dockerfile', buildArgs: {}, tags: [ref] }, new MemoryLog()).then(
      () => undefined,
      (err: Error) => err
    )
    expect(error?.message).toMatch(/failed: .*missing\.txt/)
    expect(error?.message).toMatch(/Last build output:\n(.*\n)*Step 2\/2 : COPY missing\.txt \/$/)
  }, 30_000)
})

describe('registry with basic auth', () => {
  let source = ''

  beforeAll(async () => {
    const context = makeContext({ Dockerfile: `FROM scratch\nCOPY . /\nLABEL run=${uniqueName('r')}\n`, 'a.txt': 'a' })
    source = tagged(REGISTRY, 'zdd-auth-source').ref
    await buildImage(docker, { context, dockerfile: 'Dockerfile', buildArgs: {}, tags: [source] }, new MemoryLog())
  }, 60_000)

  async function tagFor(registry: string): Promise<{ repository: string; tag: string; ref: string }> {
    const target = tagged(registry)
    await docker.getImage(source).tag({ repo: target.repository, tag: target.tag })
    return target
  }

  it('pushes with the right credentials and never logs them', async () => {
    const { repository, tag, ref } = await tagFor(AUTH_REGISTRY)
    const log = new MemoryLog()
    const { digest } = await pushImage(docker, repository, tag, auth, log)
    expect(digest).toMatch(DIGEST)
    expect(await resolveDigest(docker, ref, auth, log)).toBe(digest)

    const header = registryAuthHeader(auth, new MemoryLog())
    expect(log.secrets).toEqual(expect.arrayContaining([auth.password, header]))
    const text = log.lines.join('\n')
    expect(text).not.toContain(auth.password)
    expect(text).not.toContain(header)
  }, 60_000)

  it('fails to push with a wrong password: unauthorized', async () => {
    const { repository, tag } = await tagFor(AUTH_REGISTRY)
    const wrong = { ...auth, password: 'not-the-password' }
    const log = new MemoryLog()
    await expect(pushImage(docker, repository, tag, wrong, log)).rejects.toThrow(/Push of .* failed: .*unauthorized/)
    expect(log.secrets).toContain('not-the-password')
  }, 60_000)

  it('cannot resolve a digest there without credentials, and says which reference', async () => {
    const { ref } = await tagFor(AUTH_REGISTRY)
    await expect(resolveDigest(docker, ref, undefined, new MemoryLog())).rejects.toThrow(
      new RegExp(`Could not resolve the digest of ${ref.replace(/[.]/g, '\\.')}.*`)
    )
  }, 30_000)
})

describe('resolveDigest and localRepoDigest', () => {
  it('names the reference when the tag does not exist', async () => {
    const ref = `${REGISTRY}/zdd-build-test:${uniqueName('missing')}`
    await expect(resolveDigest(docker, ref, undefined, new MemoryLog())).rejects.toThrow(
      `Could not resolve the digest of ${ref} from its registry`
    )
  }, 30_000)

  it('names the reference when the registry is down', async () => {
    const ref = '127.0.0.1:5999/zdd-nowhere:v1'
    await expect(resolveDigest(docker, ref, undefined, new MemoryLog())).rejects.toThrow(
      `Could not resolve the digest of ${ref} from its registry`
    )
  }, 60_000)

  it('returns undefined for an image that is not here', async () => {
    expect(await localRepoDigest(docker, `zdd-absent:${uniqueName('x')}`, 'zdd-absent')).toBeUndefined()
  }, 30_000)
})

describe('registryAuthHeader', () => {
  it('masks the password and the header, which decodes to the credentials', () => {
    const log = new MemoryLog()
    const weird = { ...auth, password: 'p?>>~~ä/+' } // characters whose base64 has + and /
    const header = registryAuthHeader(weird, log)
    expect(log.secrets).toEqual([weird.password, header])
    expect(header).toMatch(/^[A-Za-z0-9_-]+=*$/)
    expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual(weird)
  })
})
