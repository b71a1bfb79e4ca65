import { describe, expect, it } from '@jest/globals'
import { replacementStarted, runningTasks, tasksBeingReplaced } from '../../src/targets/swarm-pre-stop.js'
import type { SwarmTask } from '../../src/targets/swarm-tasks.js'

const OLD = 'reg/app:v1@sha256:' + 'a'.repeat(64)
const NEW = 'reg/app:v2@sha256:' + 'b'.repeat(64)
const task = (id: string, slot: number | undefined, image: string, state: string, desired = 'running', node = 'n1'): SwarmTask => ({
  ID: id, ...(slot !== undefined ? { Slot: slot } : {}), NodeID: node, DesiredState: desired, Spec: { ContainerSpec: { Image: image } }, Status: { State: state }
})
const ids = (tasks: SwarmTask[]): string[] => tasks.map((t) => t.ID)

describe('tasksBeingReplaced', () => {
  it('is the running old task of each slot where a new task starts or runs, and no other', () => {
    const tasks = [
      task('old1', 1, OLD, 'running'), task('new1', 1, NEW, 'starting'),
      task('old2', 2, OLD, 'running'), task('new2', 2, NEW, 'running'),
      task('old3', 3, OLD, 'running'),
      task('old4', 4, OLD, 'running'), task('new4', 4, NEW, 'preparing')
    ]
    expect(ids(tasksBeingReplaced(tasks, NEW))).toEqual(['old1', 'old2', 'old4'])
  })

  it('leaves out old tasks already told to stop or not running, and slots whose new task failed or is being stopped', () => {
    const tasks = [
      task('old1', 1, OLD, 'running', 'shutdown'), task('new1', 1, NEW, 'starting'),
      task('old2', 2, OLD, 'starting'), task('new2', 2, NEW, 'starting'),
      task('old3', 3, OLD, 'running'), task('new3', 3, NEW, 'failed'),
      task('old4', 4, OLD, 'running'), task('new4', 4, NEW, 'running', 'shutdown')
    ]
    expect(ids(tasksBeingReplaced(tasks, NEW))).toEqual([])
  })

  it('works both ways: in a revert, the replaced tasks are those of the release being left', () => {
    const tasks = [task('new1', 1, NEW, 'running'), task('back1', 1, OLD, 'starting'), task('new2', 2, NEW, 'running')]
    expect(ids(tasksBeingReplaced(tasks, OLD))).toEqual(['new1'])
  })

  it('goes by node for a global service (no slots)', () => {
    const tasks = [
      task('oldA', undefined, OLD, 'running', 'running', 'A'), task('newA', undefined, NEW, 'starting', 'running', 'A'),
      task('oldB', undefined, OLD, 'running', 'running', 'B')
    ]
    expect(ids(tasksBeingReplaced(tasks, NEW))).toEqual(['oldA'])
  })
})

describe('runningTasks', () => {
  it.each([
    ['running and meant to', 'running', 'running', true],
    ['still starting', 'starting', 'running', false],
    ['being shut down', 'running', 'shutdown', false],
    ['already failed', 'failed', 'running', false]
  ])('a task %s', (_what, state, desired, kept) => {
    expect(ids(runningTasks([task('t1', 1, NEW, state, desired)]))).toEqual(kept ? ['t1'] : [])
  })
})

describe('replacementStarted', () => {
  const drained = new Set(['c1', 'c2'])
  it.each([
    ['nothing but the drained tasks', [task('c1', 1, NEW, 'running'), task('c2', 2, NEW, 'running')], undefined],
    ['a drained task failed, not yet replaced', [task('c1', 1, NEW, 'failed', 'shutdown'), task('c2', 2, NEW, 'running')], undefined],
    ['a new task for a failed drained one', [task('c1', 1, NEW, 'failed', 'shutdown'), task('r1', 1, NEW, 'pending'), task('c2', 2, NEW, 'running')], 'r1'],
    ['a new task already running', [task('c1', 1, NEW, 'complete', 'shutdown'), task('r1', 1, NEW, 'running')], 'r1'],
    ['a task of another run, told to stop', [task('x9', 3, NEW, 'running', 'shutdown'), task('c1', 1, NEW, 'running')], undefined]
  ])('%s', (_what, tasks, found) => {
    expect(replacementStarted(tasks, drained)?.ID).toBe(found)
  })
})
