// Proves the real test bed works: Swarm services of the fixture app behind the HAProxy fixture,
// reached through a loopback port. Needs `bash test/testbed/up.sh` first.
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import {
  APP_REPO,
  createCleanup,
  createNetwork,
  createService,
  fixtureImage,
  httpGet,
  serviceImages,
  serviceSpecImage,
  uniqueName
} from '../support/testbed.js'
import { startProxy } from '../support/proxy.js'

jest.setTimeout(120_000)

describe('test bed', () => {
  const cleanup = createCleanup()
  afterEach(() => cleanup.run(), 60_000)

  for (const endpointMode of ['dnsrr', 'vip'] as const) {
    it(`serves v1 from a 3-replica ${endpointMode} service through the proxy`, async () => {
      const network = uniqueName('zdd-net')
      await createNetwork(network)
      cleanup.network(network)

      const name = uniqueName(`tb-${endpointMode}`)
      cleanup.service(name)
      const service = await createService({
        name,
        image: fixtureImage('v1'),
        replicas: 3,
        network,
        endpointMode,
        timeoutMs: 60_000
      })
      expect(service.image).toMatch(new RegExp(`^${APP_REPO.replace(/\./g, '\\.')}:v1@sha256:[0-9a-f]{64}$`))
      expect(await serviceSpecImage(name)).toBe(service.image)
      expect(await serviceImages(name)).toEqual([service.image, service.image, service.image])

      const proxy = await startProxy({ service: name, network, timeoutMs: 30_000 })
      cleanup.proxy(proxy)
      expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      for (let i = 0; i < 12; i++) {
        const res = await httpGet(`${proxy.url}/version`, 5_000)
        expect(res.status).toBe(200)
        expect(res.body).toBe('v1')
      }
      const health = await httpGet(`${proxy.url}/health`, 5_000)
      expect(health).toMatchObject({ status: 200, body: 'ok' })
    })
  }
})
