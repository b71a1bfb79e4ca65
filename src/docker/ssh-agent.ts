// HTTP to a remote Docker engine over one SSH connection. docker-modem's own SSH support makes a new
// SSH connection (handshake, login, a `docker system dial-stdio` process) for every API call: about a
// second each on a busy host, while a rollout polls every second. Here one connection is kept while
// calls come, each HTTP socket is a `dial-stdio` channel on it, and sockets are kept alive between
// calls. When no call has been made for a few seconds the connection is closed (so that the process
// can exit); a dropped connection is made again by the next call.
import { Agent } from 'node:http'
import { Duplex } from 'node:stream'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'

/** sshd's default MaxSessions is 10 channels per connection: stay below it. */
const MAX_CHANNELS = 6
const IDLE_CLOSE_MS = 3000
/** A connection that stops answering is given up after 3 missed keepalives 5 s apart. */
const KEEPALIVE = { keepaliveInterval: 5000, keepaliveCountMax: 3 }

export function sshAgent(config: ConnectConfig): Agent {
  let connecting: Promise<Client> | undefined
  let active = 0
  let idleTimer: NodeJS.Timeout | undefined

  const connect = (): Promise<Client> => {
    connecting ??= new Promise<Client>((resolve, reject) => {
      const client = new Client()
      const forget = (): void => {
        connecting = undefined
      }
      client
        .once('ready', () => resolve(client))
        .on('error', (error) => {
          forget()
          reject(error)
        })
        .once('close', () => {
          forget()
          // ssh2 reports a connection lost during key exchange or login by 'close' alone: without
          // this, the calls waiting for it would wait for ever (a no-op once ready or after an error).
          reject(new Error('The SSH connection closed before it was ready (connection lost before handshake completed)'))
        })
        .connect({ ...KEEPALIVE, ...config })
    })
    return connecting
  }

  const busy = (delta: number): void => {
    active += delta
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    if (active > 0 || !connecting) return
    const closing = connecting
    idleTimer = setTimeout(() => {
      if (active === 0 && connecting === closing) {
        connecting = undefined
        closing.then((client) => client.end(), () => undefined)
      }
    }, IDLE_CLOSE_MS)
    idleTimer.unref()
  }

  const agent = new Agent({ keepAlive: true, maxSockets: MAX_CHANNELS, maxFreeSockets: MAX_CHANNELS })
  // The agent asks for a socket; it gets an SSH channel to the engine's socket.
  const createConnection = (_options: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined => {
    busy(+1)
    connect()
      .then((client) =>
        client.exec('docker system dial-stdio', (error, channel) => {
          if (error) {
            busy(-1)
            // ssh2 says only "Unable to exec" (refused, or the connection closed under it); the call never went out.
            callback(Object.assign(new Error(`Could not start docker system dial-stdio over SSH (${error.message})`), { cause: error }))
            return
          }
          callback(null, asSocket(channel, client, busy))
        })
      )
      .catch((error: Error) => {
        busy(-1)
        callback(error)
      })
    return undefined
  }
  ;(agent as unknown as { createConnection: typeof createConnection }).createConnection = createConnection
  return agent
}

/**
 * The socket calls Node's HTTP agent makes on a kept-alive socket, on an SSH channel. ref/unref tell
 * when the socket is in use (the agent unrefs the sockets it keeps idle), which is what `busy` counts.
 *
 * An ssh2 channel is not quite a socket, in two ways that each left an HTTP call waiting for ever:
 * - when its connection dies (cut, idle close), it emits 'close' but stays `writable` and not
 *   `destroyed`, which is how Node's agent tells a dead socket: the agent kept it among its idle
 *   sockets and sent the next request on it, where it went nowhere;
 * - its destroy(error) only asks the server to close the channel; it emits neither the error nor
 *   'close', so a call given up (its abort signal, a read timeout) never heard that it was.
 * Here a closed channel is destroyed as a stream (so the agent drops it), and destroy(error) behaves
 * as a socket's: the error, then 'close', at once, whatever the other end does.
 */
function asSocket(channel: ClientChannel, client: Client, busy: (delta: number) => void): Duplex {
  let inUse = true
  let closed = false
  const socket = channel as unknown as Duplex & Record<string, unknown>
  socket.setKeepAlive = () => socket
  socket.setNoDelay = () => socket
  socket.setTimeout = () => socket
  socket.ref = () => {
    if (!inUse && !closed) {
      inUse = true
      busy(+1)
    }
    return socket
  }
  socket.unref = () => {
    if (inUse && !closed) {
      inUse = false
      busy(-1)
    }
    return socket
  }
  // 'close' once, whether the channel closes first or a destroy() says it first.
  const emit = channel.emit.bind(channel) as (event: string | symbol, ...args: unknown[]) => boolean
  socket.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'close') {
      if (closed) return false
      if (inUse) busy(-1)
      closed = true
    }
    return emit(event, ...args)
  }
  const destroyStream = (error?: Error): void => {
    Duplex.prototype.destroy.call(channel, error)
  }
  // ssh2 closes a channel of a dead connection only once its end has been read: an idle socket
  // whose data nobody reads would stay open. The connection's own 'close' settles it at once.
  const connectionGone = (): void => {
    if (channel.destroyed) return
    destroyStream()
    process.nextTick(() => socket.emit('close', false))
  }
  client.once('close', connectionGone)
  channel.once('close', () => {
    client.removeListener('close', connectionGone)
    if (!channel.destroyed) destroyStream()
  })
  const closeChannel = channel.destroy.bind(channel) // ssh2's: EOF and CHANNEL_CLOSE to the server
  socket.destroy = (error?: Error) => {
    if (channel.destroyed) return socket
    if (!closed) closeChannel()
    destroyStream(error) // the error, if any, is emitted on the next tick
    process.nextTick(() => socket.emit('close', Boolean(error)))
    return socket
  }
  return socket
}
