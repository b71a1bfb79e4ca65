// A recording pass-through in front of the real Docker socket: every request the code under test
// makes is forwarded unchanged and written down (method and path), so a test can show that a run
// refused for bad input made no call that changes anything.
import { createServer, request, type Server } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface DockerRecorder {
  /** Give this to a Docker client as its socket path. */
  socketPath: string
  calls: Array<{ method: string; path: string }>
  /** Calls that change state: anything but GET and HEAD. */
  changes(): string[]
  close(): Promise<void>
}

export async function startDockerRecorder(upstream = '/var/run/docker.sock'): Promise<DockerRecorder> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'zdd-rec-')), 'docker.sock')
  const calls: DockerRecorder['calls'] = []
  const server: Server = createServer((req, res) => {
    calls.push({ method: req.method ?? '?', path: req.url ?? '' })
    const forward = request({ socketPath: upstream, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers)
      reply.pipe(res)
    })
    forward.on('error', (error) => {
      res.writeHead(502)
      res.end(String(error))
    })
    req.pipe(forward)
  })
  await new Promise<void>((ready) => server.listen(socketPath, ready))
  return {
    socketPath,
    calls,
    changes: () => calls.filter((c) => c.method !== 'GET' && c.method !== 'HEAD').map((c) => `${c.method} ${c.path}`),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}
