// HTTP to a remote Docker engine over one SSH connection. docker-modem's own SSH support makes a new
// SSH connection (handshake, login, a `docker system dial-stdio` process) for every API call: about a
// second each on a busy host, while a rollout polls every second. Here one connection is kept while
// calls come, each HTTP socket is a `dial-stdio` channel on it, and sockets are kept alive between
// calls. When no call has been made for a few seconds the connection is closed (so that the process
// can exit); a dropped connection is made again by the next call.
import { Agent } from 'node:http'
import type { Duplex } from 'node:stream'
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
        .once('close', forget)
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
            callback(error)
            return
          }
          callback(null, asSocket(channel, busy))
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
 */
function asSocket(channel: ClientChannel, busy: (delta: number) => void): Duplex {
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
  channel.once('close', () => {
    if (inUse && !closed) busy(-1)
    closed = true
  })
  return socket
}
