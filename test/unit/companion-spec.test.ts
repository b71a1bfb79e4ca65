// The companion (canary / preview) spec is cloned from the stable service's: what is kept and what changes.
import { describe, expect, it } from '@jest/globals'
import type Docker from 'dockerode'
import { canaryReachWarning, companionSpec } from '../../src/targets/companion-spec.js'
import { describeBlueGreenPlan, planBlueGreen, previewAliases, switchInOneStep, switchInWaves } from '../../src/rollout/blue-green-plan.js'
import { fillPlaceholders, hasPlaceholder, unknownPlaceholder } from '../../src/analysis/placeholders.js'

const NEW = 'reg/app:v2@sha256:' + 'b'.repeat(64)

const stable = (): Docker.ServiceSpec => ({
  Name: 'api',
  Labels: { team: 'web', 'zdd.rollout': '2/3' },
  Mode: { Replicated: { Replicas: 3 } },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'reg/app:v1@sha256:' + 'a'.repeat(64),
      Env: ['A=1'],
      Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }],
      HealthCheck: { Test: ['CMD', 'true'], Interval: 1e9 }
    },
    Resources: { Limits: { MemoryBytes: 1 << 28 } },
    Networks: [{ Target: 'net1', Aliases: ['api', 'backend'] }]
  } as Docker.ContainerTaskSpec,
  EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
  UpdateConfig: { Parallelism: 1, Order: 'start-first' }
})

describe('companionSpec', () => {
  it('clones a canary with the new release, its own name and labels, the same networks and aliases, no published ports', () => {
    const spec = companionSpec(stable(), 'api', 'canary', NEW, 1)
    const template = spec.TaskTemplate as Docker.ContainerTaskSpec
    expect(spec.Name).toBe('api-canary')
    expect(spec.Labels).toEqual({ team: 'web', 'zdd.companion-of': 'api', 'zdd.role': 'canary' })
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } })
    expect(template.ContainerSpec?.Image).toBe(NEW)
    expect(template.ContainerSpec?.Env).toEqual(['A=1'])
    expect(template.ContainerSpec?.Mounts).toEqual([{ Type: 'volume', Source: 'data', Target: '/data' }])
    expect(template.ContainerSpec?.HealthCheck).toEqual({ Test: ['CMD', 'true'], Interval: 1e9 })
    expect(template.Resources).toEqual({ Limits: { MemoryBytes: 1 << 28 } })
    expect(template.Networks).toEqual([{ Target: 'net1', Aliases: ['api', 'backend'] }])
    expect(spec.EndpointSpec).toEqual({ Mode: 'vip' })
    expect(spec.UpdateConfig).toEqual({ Parallelism: 1, Order: 'start-first' })
  })

  it('gives a preview only the preview names', () => {
    const spec = companionSpec(stable(), 'api', 'preview', NEW, 3)
    expect(spec.Name).toBe('api-preview')
    expect((spec.TaskTemplate as Docker.ContainerTaskSpec).Networks).toEqual([{ Target: 'net1', Aliases: ['api-preview', 'backend-preview'] }])
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 3 } })
  })

  it('leaves the stable spec as it was', () => {
    const original = stable()
    companionSpec(original, 'api', 'preview', NEW, 3)
    expect(original).toEqual(stable())
  })
})

describe('canaryReachWarning', () => {
  it.each([
    ['aliases and a port', stable(), undefined],
    ['a port and no alias', { ...stable(), TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'n' }] } }, 'published port(s) 8080'],
    ['no port, no alias', { TaskTemplate: { ContainerSpec: { Image: 'x' } } }, undefined]
  ])('%s', (_t, spec, expected) => {
    const warning = canaryReachWarning(spec as Docker.ServiceSpec, 'api')
    if (expected === undefined) expect(warning).toBeUndefined()
    else expect(warning).toContain(expected)
  })
})

describe('blue-green plan', () => {
  it('is data, printed step by step', () => {
    const plan = planBlueGreen({ target: 'api', from: 'a', to: 'b', replicas: 3, scaleDownDelayMs: 30_000 })
    expect(plan).toEqual({ strategy: 'blue-green', target: 'api', preview: 'api-preview', from: 'a', to: 'b', replicas: 3, scaleDownDelayMs: 30_000 })
    expect(describeBlueGreenPlan(plan)).toEqual([
      'Blue-green of api: 3 replica(s)',
      '  from a',
      '  to   b',
      '  1. start 3 replica(s) of the new release as api-preview (preview names only), then gate them',
      '  2. switch: replace the tasks of api with the verified release in two waves (half, then the rest), start-first, then watch it for 30s',
      '  3. remove api-preview'
    ])
  })

  it.each([
    [undefined, []],
    [['web'], ['web-preview']],
    [['a', 'b'], ['a-preview', 'b-preview']]
  ])('preview aliases of %j', (aliases, expected) => {
    expect(previewAliases(aliases)).toEqual(expected)
  })
})

describe('placeholders', () => {
  it.each([
    ['up{s="{{canary}}"} / up{s="{{ stable }}"}', 'up{s="api-canary"} / up{s="api"}'],
    ['no placeholder', 'no placeholder'],
    ['{{canary}}{{canary}}', 'api-canaryapi-canary']
  ])('fills %s', (text, expected) => {
    expect(fillPlaceholders(text, { canary: 'api-canary', stable: 'api' })).toBe(expected)
  })

  it.each([
    ['x{{canary}}', 'canary', true],
    ['x{{stable}}', 'canary', false],
    ['x{{ stable }}', 'stable', true]
  ] as const)('finds %s as %s: %s', (text, which, expected) => {
    expect(hasPlaceholder(text, which)).toBe(expected)
  })

  it.each([
    ['{{service}}', '{{service}}'],
    ['{{canary}} {{Canary}}', '{{Canary}}'],
    ['{{canary}} and {{stable}}', undefined]
  ])('unknown placeholder in %s', (text, expected) => {
    expect(unknownPlaceholder(text)).toBe(expected)
  })
})

describe('the blue-green switch, by platform', () => {
  const plan = planBlueGreen({ target: 'api', from: 'app:1', to: 'app:2', replicas: 3, scaleDownDelayMs: 30_000 })
  it('on Swarm: two start-first waves, the last one watched for scale-down-delay', () => {
    expect(switchInWaves(plan).steps.map((s) => [s.name, s.newReplicas, s.monitorMs])).toEqual([['switch 1/2', 2, undefined], ['switch 2/2', 3, 30_000]])
  })
  it('with plain containers: one step that moves the alias to the whole verified set', () => {
    expect(switchInOneStep(plan).steps).toEqual([{ kind: 'batch', name: 'switch 1/1', index: 1, of: 1, size: 3, newReplicas: 3, total: 3, monitorMs: 30_000 }])
  })
})
