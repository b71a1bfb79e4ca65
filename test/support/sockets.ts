// Real local sockets for the HTTP edges' failure tests: what nock cannot fake faithfully with an
// aborted fetch (a server that never answers, a port nobody listens on).
import { expect } from '@jest/globals'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A port on 127.0.0.1 that was just free: nothing listens there any more. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  const { port } = server.address() as AddressInfo
  await new Promise((closed) => server.close(closed))
  return port
}

/** Runs `use(port)` against a local server with `handler` (default: accept and never answer), then closes it. */
export async function withServer<T>(use: (port: number) => Promise<T>, handler: RequestListener = () => undefined): Promise<T> {
  const server = createServer(handler)
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  try {
    return await use((server.address() as AddressInfo).port)
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

/** The rejection of `promise`, checked to be an instance of `type` with exactly `message`. */
export async function expectRejection(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(type)
  expect((error as Error).message).toBe(message)
}
