// The operations that act on what an earlier run left on the target: a canary paused at a `pause`
// step (promote, abort) and the release recorded by the last rollout (rollback).
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import type Docker from 'dockerode'
import { companionName } from '../../src/targets/companion-spec.js'
import { CANARY_PAUSED_LABEL, PREVIOUS_LABEL } from '../../src/targets/release-labels.js'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runDeploy } from '../support/deploy-harness.js'
import { APP_REPO, createCleanup, docker, serviceImages, serviceOnOwnNetwork } from '../support/testbed.js'

jest.setTimeout(240_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

async function bed(replicas: number): Promise<string> {
  return (await serviceOnOwnNetwork(cleanup, 'ops', replicas)).service
}

async function find(name: string): Promise<Docker.Service | undefined> {
  return (docker().getService(name).inspect() as Promise<Docker.Service>).catch(() => undefined)
}

const onDigest = async (service: string, digest: string | undefined): Promise<boolean> => (await serviceImages(service)).every((i) => digestOf(i) === digest)

describe('a canary paused at a pause step', () => {
  it('waits with the canary running, is promoted by a later run, and a rollback then brings back the release before', async () => {
    const service = await bed(2)
    const v1 = digestOf((await serviceImages(service))[0])
    const paused = await runDeploy({ image: `${APP_REPO}:v2`, service, strategy: 'canary', 'canary-steps': '10%,pause,50%', 'post-deploy': 'echo contract' })
    expect(paused.reason ?? paused.result).toBe('paused after canary step 1/2')
    expect(paused.result).toBe('paused')
    // The release is not out yet: post-deploy waits for promote.
    expect(paused.report.jobs).toEqual({ 'post-deploy': 'skipped' })
    const canary = await find(companionName(service, 'canary'))
    expect(canary?.Spec?.Labels?.[CANARY_PAUSED_LABEL]).toBe('1')
    expect(canary?.Spec?.Mode?.Replicated?.Replicas).toBe(1)
    expect(await onDigest(service, v1)).toBe(true)

    const promoted = await runDeploy({ operation: 'promote', image: '', service, strategy: 'canary', 'post-deploy': '["/bin/echo", "contract"]' })
    expect(promoted.reason ?? promoted.result).toBe('succeeded')
    expect(promoted.report.steps.map((s) => s.name)).toEqual([
      'canary 2/2: 50% → 2 replica(s) = 50.0% of traffic', 'batch 1/2', 'batch 2/2', `remove ${companionName(service, 'canary')}`, 'post-deploy'
    ])
    expect(promoted.report.steps.at(-1)?.job?.logTail).toEqual(['contract'])
    expect(promoted.report.jobs).toEqual({ 'post-deploy': 'succeeded' })
    expect(await find(companionName(service, 'canary'))).toBeUndefined()
    expect(await onDigest(service, paused.digest)).toBe(true)
    const recorded = (await find(service))?.Spec?.Labels?.[PREVIOUS_LABEL]
    expect(digestOf(recorded ?? '')).toBe(v1)

    const back = await runDeploy({ operation: 'rollback', image: '', service })
    expect(back.reason ?? back.result).toBe('succeeded')
    expect(await onDigest(service, v1)).toBe(true)
  })

  it('is removed by abort, and the service was never changed', async () => {
    const service = await bed(1)
    const before = await find(service)
    const paused = await runDeploy({ image: `${APP_REPO}:v2`, service, strategy: 'canary', 'canary-steps': '50%,pause' })
    expect(paused.result).toBe('paused')
    const aborted = await runDeploy({ operation: 'abort', image: '', service })
    expect(aborted.result).toBe('rolled-back')
    expect(aborted.reason).toBe('the canary was aborted (operation abort)')
    expect(aborted.report.steps.map((s) => [s.name, s.outcome])).toEqual([[`abort: remove ${companionName(service, 'canary')}`, 'passed']])
    expect(await find(companionName(service, 'canary'))).toBeUndefined()
    expect((await find(service))?.Version?.Index).toBe(before?.Version?.Index)
  })

  it('refuses promote when nothing is paused, changing nothing', async () => {
    const service = await bed(1)
    await expect(runDeploy({ operation: 'promote', image: '', service })).rejects.toThrow(
      `Invalid input 'operation': "promote". Expected a paused canary to promote, but service '${companionName(service, 'canary')}' does not exist.`
    )
  })

  it('refuses a rollback when no release was recorded', async () => {
    const service = await bed(1)
    await expect(runDeploy({ operation: 'rollback', image: '', service })).rejects.toThrow(
      `Invalid input 'operation': "rollback". Expected an image with a digest to roll back to, since service '${service}' has no release recorded by an earlier rollout (label zdd.previous-image).`
    )
  })
})
