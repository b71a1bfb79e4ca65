// A release is its image plus, when its config changes, an identity written as the zdd.release
// container label: how two releases of one image are told apart, and how image-only stays as it was.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import { formatRelease, imageOf, onRelease, parseRelease, releaseId, RELEASE_LABEL } from '../../src/release/release-ref.js'
import { changeFromSpecs, containerConfig, releaseAgainst, setRelease, specRelease } from '../../src/targets/release-spec.js'
import { companionSpec } from '../../src/targets/companion-spec.js'
import { observeTasks, type SwarmTask } from '../../src/targets/swarm-tasks.js'

const DIGEST = 'sha256:' + 'a'.repeat(64)
const V1 = `reg/app:v1@${DIGEST}`
const V2 = 'reg/app:v2@sha256:' + 'b'.repeat(64)
const ID = '0123456789ab'

describe('release refs', () => {
  it.each<[string, string | undefined, string]>([
    [V1, undefined, V1],
    [V1, ID, `${V1} (config ${ID})`],
    ['reg/app:v1', ID, `reg/app:v1 (config ${ID})`]
  ])('%s with id %s is written %s and read back', (image, id, ref) => {
    expect(formatRelease(image, id)).toBe(ref)
    expect(parseRelease(ref)).toEqual(id ? { image, id } : { image })
    expect(imageOf(ref)).toBe(image)
  })

  it('gives the same id for the same digest, env and labels, and another when any of them changes', () => {
    const id = releaseId(DIGEST, ['A=1', 'B=2'], { team: 'web', other: 'x' })
    expect(id).toMatch(/^[0-9a-f]{12}$/)
    expect(releaseId(DIGEST, ['A=1', 'B=2'], { other: 'x', team: 'web', [RELEASE_LABEL]: 'whatever' })).toBe(id)
    expect(releaseId('sha256:' + 'c'.repeat(64), ['A=1', 'B=2'], { team: 'web', other: 'x' })).not.toBe(id)
    expect(releaseId(DIGEST, ['A=1', 'B=3'], { team: 'web', other: 'x' })).not.toBe(id)
    expect(releaseId(DIGEST, ['A=1', 'B=2'], { team: 'api', other: 'x' })).not.toBe(id)
  })

  it.each<[string, string | undefined, Record<string, string> | undefined, string, boolean]>([
    ['image-only: same digest, no labels', V1, undefined, V1, true],
    ['image-only: other digest', V2, undefined, V1, false],
    ['unpinned task image, same digest in the ref', `reg/app@${DIGEST}`, {}, V1, true],
    ['config release: same digest, its id', V1, { [RELEASE_LABEL]: ID }, `${V1} (config ${ID})`, true],
    ['config release: same digest, no id on the task', V1, {}, `${V1} (config ${ID})`, false],
    ['config release: same digest, another id', V1, { [RELEASE_LABEL]: 'ffffffffffff' }, `${V1} (config ${ID})`, false],
    ['previous without id: a task with the new id is not on it', V1, { [RELEASE_LABEL]: ID }, V1, false],
    ['no image', undefined, undefined, V1, false]
  ])('onRelease: %s', (_title, image, labels, ref, on) => {
    expect(onRelease(image, labels, ref)).toBe(on)
  })
})

const spec = (env: string[] = ['A=1'], labels?: Record<string, string>): Docker.ServiceSpec => ({
  Name: 'api',
  TaskTemplate: { ContainerSpec: { Image: V1, Env: env, ...(labels ? { Labels: labels } : {}) } } as Docker.ContainerTaskSpec,
  Mode: { Replicated: { Replicas: 2 } }
})
const containerOf = (s: Docker.ServiceSpec): Docker.ContainerSpec | undefined => (s.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec

describe('releaseAgainst', () => {
  it('keeps an image-only release without an identity, as before', () => {
    expect(releaseAgainst(containerConfig(spec()), V1, V2)).toEqual({ release: V2, previous: V1 })
  })

  it('keeps the identity the service has for an image-only release', () => {
    expect(releaseAgainst(containerConfig(spec(['A=1'], { [RELEASE_LABEL]: ID })), V1, V2)).toEqual({ release: `${V2} (config ${ID})`, previous: `${V1} (config ${ID})` })
  })

  it('gives a config-only release a new identity from the digest and the config after the change', () => {
    const change = { env: [{ key: 'FEATURE', value: 'on' }], labels: [{ key: 'toggle', value: 'v2' }] }
    const refs = releaseAgainst(containerConfig(spec()), V1, V1, change)
    const id = releaseId(DIGEST, ['A=1', 'FEATURE=on'], { toggle: 'v2' })
    expect(refs).toEqual({
      release: `${V1} (config ${id})`,
      previous: V1,
      change,
      diff: {
        env: { added: [{ key: 'FEATURE', value: 'on' }], changed: [], removed: [] },
        labels: { added: [{ key: 'toggle', value: 'v2' }], changed: [], removed: [] }
      }
    })
  })

  it('treats a change that changes nothing as no change', () => {
    expect(releaseAgainst(containerConfig(spec(['A=1'])), V1, V1, { env: [{ key: 'A', value: '1' }, { key: 'GONE' }], labels: [] })).toEqual({ release: V1, previous: V1 })
  })
})

describe('setRelease', () => {
  it('writes only the image for an image-only release', () => {
    const s = spec()
    setRelease(s, V2)
    expect(containerOf(s)).toEqual({ Image: V2, Env: ['A=1'] })
  })

  it('writes the image, the env/labels change and the identity, and a previous ref without one removes it', () => {
    const s = spec(['A=1'], { team: 'web' })
    setRelease(s, `${V1} (config ${ID})`, { env: [{ key: 'A', value: '2' }], labels: [{ key: 'team' }] })
    expect(containerOf(s)).toEqual({ Image: V1, Env: ['A=2'], Labels: { [RELEASE_LABEL]: ID } })
    setRelease(s, V1)
    expect(containerOf(s)).toEqual({ Image: V1, Env: ['A=2'], Labels: {} })
  })

  it('reads the release of a spec, and the change from one spec to another', () => {
    const canary = companionSpec(spec(['A=1'], { team: 'web' }), 'api', 'canary', `${V2} (config ${ID})`, 1, { env: [{ key: 'FEATURE', value: 'on' }], labels: [] })
    expect(specRelease(canary)).toBe(`${V2} (config ${ID})`)
    expect(containerOf(canary)?.Env).toEqual(['A=1', 'FEATURE=on'])
    expect(changeFromSpecs(spec(['A=1'], { team: 'web' }), canary)).toEqual({ env: [{ key: 'FEATURE', value: 'on' }], labels: [] })
    expect(changeFromSpecs(spec(), spec())).toBeUndefined()
  })
})

describe('observeTasks with two releases of one image', () => {
  const NEW = `${V1} (config ${ID})`
  const task = (n: number, labels: Record<string, string> | undefined, state: string, desired = 'running'): SwarmTask => ({
    ID: `task${n}`.padEnd(25, 'x'),
    Slot: n,
    CreatedAt: '2026-01-01T00:00:05Z',
    DesiredState: desired,
    Spec: { ContainerSpec: { Image: V1, ...(labels ? { Labels: labels } : {}) } },
    Status: { State: state }
  })
  const tasks = [task(1, { [RELEASE_LABEL]: ID }, 'running'), task(2, undefined, 'running'), task(3, { [RELEASE_LABEL]: ID }, 'starting')]

  it('counts the config release by its identity', () => {
    expect(observeTasks(tasks, NEW, 3, 0)).toMatchObject({ ready: 1, starting: 1, others: 1 })
  })

  it('counts the previous release (no identity) apart from it, as a revert does', () => {
    expect(observeTasks(tasks, V1, 3, 0)).toMatchObject({ ready: 1, starting: 0, others: 2 })
  })
})
