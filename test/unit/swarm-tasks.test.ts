import { describe, expect, it } from '@jest/globals'
import { digestOf, observeTasks, sameRelease, type SwarmTask } from '../../src/targets/swarm-tasks.js'

const OLD = 'reg/app:v1@sha256:' + 'a'.repeat(64)
const NEW = 'reg/app:v2@sha256:' + 'b'.repeat(64)
const T0 = Date.parse('2026-01-01T00:00:00Z')
let n = 0
const task = (image: string, state: string, desired = 'running', createdAt = '2026-01-01T00:00:05Z', extra: Partial<SwarmTask> = {}): SwarmTask => ({
  ID: `task${++n}`.padEnd(25, 'x'),
  Slot: n,
  CreatedAt: createdAt,
  DesiredState: desired,
  Spec: { ContainerSpec: { Image: image } },
  Status: { State: state },
  ...extra
})

describe('digestOf / sameRelease', () => {
  it.each([
    [NEW, 'sha256:' + 'b'.repeat(64)],
    ['reg/app@sha256:' + 'c'.repeat(64), 'sha256:' + 'c'.repeat(64)],
    ['reg:5000/app:v2', undefined]
  ])('digest of %s', (image, digest) => expect(digestOf(image)).toBe(digest))

  it.each([
    [NEW, 'reg/app@sha256:' + 'b'.repeat(64), true],
    [OLD, NEW, false],
    ['reg/app:v2', NEW, false],
    ['reg/app:v2', 'reg/app:v2', true],
    [undefined, NEW, false]
  ])('%s is the release %s: %s', (a, b, same) => expect(sameRelease(a, b)).toBe(same))
})

describe('observeTasks', () => {
  it('counts a batch in progress', () => {
    const tasks = [
      task(NEW, 'running'),
      task(NEW, 'starting'),
      task(OLD, 'running'),
      task(OLD, 'running', 'shutdown'),
      task(OLD, 'shutdown', 'shutdown')
    ]
    expect(observeTasks(tasks, NEW, 3, T0, { State: 'updating', Message: 'update in progress' })).toEqual({
      desired: 3, ready: 1, starting: 1, failed: 0, others: 1, failures: [], updateState: 'updating', updateMessage: 'update in progress'
    })
  })

  it('reports failed tasks of the release created since the rollout began, newest first', () => {
    const tasks = [
      task(NEW, 'failed', 'shutdown', '2026-01-01T00:00:03Z', { Slot: 1, Status: { State: 'failed', Err: 'task: non-zero exit (1)', ContainerStatus: { ExitCode: 1 } } }),
      task(NEW, 'failed', 'shutdown', '2026-01-01T00:00:09Z', { Slot: 2, Status: { State: 'failed', Err: 'unhealthy container' } }),
      task(NEW, 'failed', 'shutdown', '2025-12-31T23:00:00Z'), // an older attempt at the same digest
      task(OLD, 'failed', 'shutdown'),
      task(OLD, 'running')
    ]
    const o = observeTasks(tasks, NEW, 3, T0)
    expect(o.failed).toBe(2)
    expect(o.failures).toEqual(['slot 2 failed: unhealthy container', 'slot 1 failed (exit 1): task: non-zero exit (1)'])
    expect(o.others).toBe(1)
  })

  it('counts rejected and completed replicas as failures', () => {
    const o = observeTasks([task(NEW, 'rejected', 'shutdown'), task(NEW, 'complete', 'shutdown')], NEW, 2, T0)
    expect(o.failed).toBe(2)
  })

  it('sees a finished revert from the old release side', () => {
    const tasks = [task(OLD, 'running'), task(OLD, 'running'), task(NEW, 'shutdown', 'shutdown'), task(NEW, 'running', 'shutdown')]
    expect(observeTasks(tasks, OLD, 2, T0)).toMatchObject({ ready: 2, others: 0, failed: 0, starting: 0 })
  })
})
