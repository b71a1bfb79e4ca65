// The HTTP seam at its edges: odd replies from a health endpoint, served by nock.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHttpProbe } from '../../src/gates/http-probe.js'

const BASE = 'http://health.test'
afterEach(() => nock.cleanAll())
// nock patches Node's own http module, which every test file in a --runInBand run shares: undo it.
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('createHttpProbe', () => {
  const probe = createHttpProbe()

  it('returns the status and body of a reply', async () => {
    nock(BASE).get('/health').reply(200, '{"status":"UP"}')
    const reply = await probe.get(new URL(`${BASE}/health`), 1000)
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('{"status":"UP"}')
    expect(reply.error).toBeUndefined()
  })

  it('does not follow redirects: a redirect is the reply', async () => {
    nock(BASE).get('/health').reply(302, '', { location: 'http://elsewhere.test/login' })
    const reply = await probe.get(new URL(`${BASE}/health`), 1000)
    expect(reply.status).toBe(302)
  })

  it('reports a reply that does not come in time', async () => {
    // A real socket that accepts and never answers (nock's delay does not mix with an aborted fetch).
    nock.enableNetConnect('127.0.0.1')
    const server = createServer(() => undefined)
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
    const { port } = server.address() as AddressInfo
    try {
      const reply = await probe.get(new URL(`http://127.0.0.1:${port}/health`), 100)
      expect(reply.status).toBeUndefined()
      expect(reply.error).toBe('no reply within 100 ms')
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('reports a connection that is cut without throwing', async () => {
    nock.enableNetConnect('127.0.0.1')
    const server = createServer((request) => request.socket.destroy())
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
    const { port } = server.address() as AddressInfo
    try {
      const reply = await probe.get(new URL(`http://127.0.0.1:${port}/health`), 1000)
      expect(reply.status).toBeUndefined()
      expect(reply.error).toMatch(/^(UND_ERR_SOCKET: other side closed|ECONNRESET)/)
    } finally {
      server.close()
    }
  })

  it('keeps only the start of a very large body', async () => {
    nock(BASE).get('/health').reply(200, 'x'.repeat(200_000))
    const reply = await probe.get(new URL(`${BASE}/health`), 1000)
    expect(reply.body).toHaveLength(64 * 1024)
  })

  it('passes a 503 through as a status, for the verdict to judge', async () => {
    nock(BASE).get('/health').reply(503, 'draining')
    expect((await probe.get(new URL(`${BASE}/health`), 1000)).status).toBe(503)
  })
})
