// Canary and blue-green with platform docker on the real dockerd: canary containers beside the old ones
// under the alias and <alias>-canary, paused and promoted; a blue-green preview under <alias>-preview
// that takes the alias in one step; a canary that fails and is removed with the old set untouched.
import { afterAll, describe, expect, it, jest } from '@jest/globals'
import { digestOf } from '../../src/targets/swarm-tasks.js'
import { runDeploy } from '../support/deploy-harness.js'
import { cleanUpPlainService, containersLabelled, createBridgeNetwork, ofService, resolve, runHandMade, waitHealthy } from '../support/plain-host.js'
import { startProxy } from '../support/proxy.js'
import { APP_REPO, createCleanup, httpGet, uniqueName, waitFor } from '../support/testbed.js'

jest.setTimeout(180_000)
const cleanup = createCleanup()
afterAll(() => cleanup.run())

const GATES = { platform: 'docker', 'health-url': 'http://app/health', drain: '1s', monitor: '1s' }

async function twoOnV1(): Promise<{ service: string; network: string; before: Awaited<ReturnType<typeof waitHealthy>> }> {
  const service = uniqueName('pprog')
  const network = uniqueName('pnet')
  await createBridgeNetwork(network)
  cleanUpPlainService(cleanup, service, network)
  await runHandMade({ service, network })
  await runHandMade({ service, network })
  return { service, network, before: await waitHealthy(service, network, 2) }
}

const canaries = (service: string, network: string) => containersLabelled({ 'zdd.companion-of': service, 'zdd.role': 'canary' }, network)

describe('platform docker: canary', () => {
  it('runs a canary beside the old containers under <alias>-canary, pauses, then promotes and removes it', async () => {
    const { service, network, before } = await twoOnV1()
    const paused = await runDeploy({ image: `${APP_REPO}:v2`, service, strategy: 'canary', 'canary-steps': '10%,pause', ...GATES })
    expect(paused.reason ?? paused.result).toBe('paused after canary step 1/1')
    expect(paused.log.lines).toContain('  1. canary 10% → 1 replica(s) beside 2 stable = 33.3% of traffic, then analyse')
    const [canary] = await canaries(service, network)
    expect([canary.state, digestOf(canary.image), canary.aliases.sort()]).toEqual(['running', paused.digest, [service, `${service}-canary`].sort()])
    // Docker's DNS: the alias spreads over old and canary; <alias>-canary is the canary alone.
    expect((await resolve(before[0].id, service)).sort()).toEqual([...before.map((c) => c.ip), canary.ip].sort())
    expect(await resolve(before[0].id, `${service}-canary`)).toEqual([canary.ip])
    expect((await ofService(service, network)).map((c) => c.id)).toEqual(before.map((c) => c.id))

    const promoted = await runDeploy({ operation: 'promote', image: '', service, ...GATES })
    expect(promoted.reason ?? promoted.result).toBe('succeeded')
    expect(promoted.log.lines).toContain(`Resuming the canary of ${service} after step 1/1: ${canary.image}`)
    const after = await ofService(service, network)
    expect(after.map((c) => [c.state, digestOf(c.image), c.aliases])).toEqual([['running', paused.digest, [service]], ['running', paused.digest, [service]]])
    expect(await canaries(service, network)).toEqual([])
    expect(await containersLabelled({ 'zdd.companion-of': service }, network)).toEqual([])
  })

  it('removes a failing canary; the old containers were never touched', async () => {
    const { service, network, before } = await twoOnV1()
    const outcome = await runDeploy({ image: `${APP_REPO}:crash`, service, strategy: 'canary', 'canary-steps': '50%', ...GATES })
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^Canary 1\/1: 50% → 2 replica\(s\) = 50\.0% of traffic: [12] replica\(s\) of the new release failed: container \S+-canary-\S+ (exited|restarting|exited and was restarted)/)
    // After the revert, the old containers answer the health gate at their own addresses.
    expect(outcome.report.steps.find((s) => s.name === 'revert')?.probes.map((p) => p.detail)).toEqual([expect.stringMatching(new RegExp(`^${before.map((c) => `${c.ip.replace(/\./g, '\\.')}: 200 in \\d+ ms`).join('; ')}$`))])
    expect(await canaries(service, network)).toEqual([])
    const after = await ofService(service, network)
    expect(after.map((c) => [c.id, c.state, c.aliases, c.info.State.StartedAt])).toEqual(before.map((c) => [c.id, 'running', [service], c.info.State.StartedAt]))
  })
})

describe('platform docker: blue-green', () => {
  it('gates the full new set under <alias>-preview, then moves the alias to it in one step', async () => {
    const { service, network, before } = await twoOnV1()
    // A proxy that resolves the alias through Docker's DNS, as a user's would.
    const proxy = await startProxy({ service, network, alias: service })
    cleanup.proxy(proxy)
    expect((await httpGet(`${proxy.url}/version`)).body.trim()).toBe('v1')
    const outcome = await runDeploy({ image: `${APP_REPO}:v2`, service, strategy: 'blue-green', 'preview-url': 'http://preview/health', 'scale-down-delay': '2s', ...GATES })
    expect(outcome.reason ?? outcome.result).toBe('succeeded')
    expect(outcome.report.steps.map((s) => [s.name, s.outcome])).toEqual([[`preview: 2 replica(s) as ${service}-preview`, 'passed'], ['switch 1/1', 'passed'], [`remove ${service}-preview`, 'passed']])
    expect(outcome.log.lines.some((l) => new RegExp(`^ {2}${service}-preview in service under ${service}-preview: `).test(l))).toBe(true)
    // The old set was stopped at the switch and removed only after scale-down-delay, watched by the probes between.
    const lines = outcome.log.lines
    const stoppedAt = lines.findIndex((l) => l.startsWith(`  stopped ${before[0].name}`) || (l.startsWith('  stopped ') && l.includes(before[0].name)))
    const removedAt = lines.findIndex((l) => l.startsWith('  removed ') && l.includes(before[0].name))
    expect(stoppedAt).toBeGreaterThan(0)
    expect(lines.slice(stoppedAt, removedAt).filter((l) => l.startsWith('  health ok: ')).length).toBeGreaterThan(0)
    // The preview was probed at its own containers with preview-url's path, before the switch.
    expect(outcome.report.steps[0].probes.filter((p) => p.ok).length).toBeGreaterThanOrEqual(2)
    const after = await ofService(service, network)
    expect(after).toHaveLength(2)
    expect(after.some((c) => before.map((b) => b.id).includes(c.id))).toBe(false)
    for (const c of after) {
      expect([c.state, digestOf(c.image), c.aliases]).toEqual(['running', outcome.digest, [service]])
      expect((await httpGet(`http://${c.ip}/version`)).body.trim()).toBe('v2')
    }
    // The proxy follows the alias: every answer is v2 once it re-resolved (a second or two).
    await waitFor('the proxy to answer v2 only', async () => {
      const bodies = await Promise.all([1, 2, 3, 4].map(async () => (await httpGet(`${proxy.url}/version`)).body.trim()))
      return bodies.every((b) => b === 'v2')
    }, { timeoutMs: 20_000, intervalMs: 500 })
  })
})
