// specWritten: whether a service shows the spec a write sent, which is how a write whose answer was lost
// with the connection is known to have been applied (SwarmApi.write). Table-driven, pure.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import { specWritten } from '../../src/targets/swarm-specs.js'

function spec(labels: Record<string, string>, image: string, env?: string[], containerLabels?: Record<string, string>): Docker.ServiceSpec {
  return {
    Name: 'api',
    Labels: labels,
    TaskTemplate: { ContainerSpec: { Image: image, ...(env ? { Env: env } : {}), ...(containerLabels ? { Labels: containerLabels } : {}) } },
    // Swarm fills in settings the write did not send; they do not decide.
    Mode: { Replicated: { Replicas: 3 } }
  }
}

const SENT = spec({ 'zdd.rollout': '2/3' }, 'repo/app:v2@sha256:bb', ['A=1'], { 'zdd.release': 'abc' })

describe('specWritten', () => {
  it.each<[string, Docker.ServiceSpec, boolean]>([
    ['the same spec', spec({ 'zdd.rollout': '2/3' }, 'repo/app:v2@sha256:bb', ['A=1'], { 'zdd.release': 'abc' }), true],
    ['the same spec with settings Swarm filled in', { ...spec({ 'zdd.rollout': '2/3' }, 'repo/app:v2@sha256:bb', ['A=1'], { 'zdd.release': 'abc' }), EndpointSpec: { Mode: 'vip' } }, true],
    ['the batch before (its marker)', spec({ 'zdd.rollout': '1/3' }, 'repo/app:v2@sha256:bb', ['A=1'], { 'zdd.release': 'abc' }), false],
    ['another image', spec({ 'zdd.rollout': '2/3' }, 'repo/app:v1@sha256:aa', ['A=1'], { 'zdd.release': 'abc' }), false],
    ['another env', spec({ 'zdd.rollout': '2/3' }, 'repo/app:v2@sha256:bb', ['A=2'], { 'zdd.release': 'abc' }), false],
    ['another release identity', spec({ 'zdd.rollout': '2/3' }, 'repo/app:v2@sha256:bb', ['A=1'], {}), false]
  ])('%s: %s', (_name, found, expected) => {
    expect(specWritten(found, SENT)).toBe(expected)
  })
})
