// Push repository:tag through the Engine API and return the digest the registry stored it under.
import type Docker from 'dockerode'
import type { RegistryAuth } from '../config/types.js'
import type { Log } from '../log.js'
import { daemonMessage, followJsonStream, type ProgressMessage } from './client.js'
import { withDigest } from './image-ref.js'
import { dockerodeAuthconfig } from './registry-auth.js'
import { localRepoDigest } from './resolve-digest.js'

const DIGEST = /sha256:[0-9a-f]{64}/
/** The status line the daemon ends a push with: `<tag>: digest: sha256:… size: 527`. */
const DIGEST_LINE = /digest: (sha256:[0-9a-f]{64}) size:/

/** Per-layer states not worth a log line of their own (every layer goes through them). */
const QUIET_STATUSES = new Set(['Preparing', 'Waiting', 'Pushing'])

export async function pushImage(
  docker: Docker,
  repository: string,
  tag: string,
  auth: RegistryAuth | undefined,
  log: Log
): Promise<{ digest: string }> {
  const reference = `${repository}:${tag}`
  // Mask before the first request, so nothing the daemon echoes can show the secret.
  const authconfig = dockerodeAuthconfig(auth, log)

  return log.group(`Push ${reference}`, async () => {
    let response: NodeJS.ReadableStream
    try {
      response = await docker.getImage(repository).push({ tag, ...(authconfig ? { authconfig } : {}) })
    } catch (err) {
      throw new Error(`Push of ${reference} failed: ${daemonMessage(err)}`)
    }

    const layers = new Map<string, string>()
    let auxDigest: string | undefined
    let lineDigest: string | undefined
    let error: string | undefined
    await followJsonStream(response, (message: ProgressMessage) => {
      if (message.error !== undefined || message.errorDetail !== undefined) {
        error ??= message.errorDetail?.message ?? message.error
        return
      }
      if (message.aux?.Digest && DIGEST.test(message.aux.Digest)) auxDigest = message.aux.Digest
      const status = message.status
      if (status === undefined) return
      if (message.id === undefined) {
        // Whole-push lines: "The push refers to repository […]", "<tag>: digest: sha256:… size: …".
        lineDigest = DIGEST_LINE.exec(status)?.[1] ?? lineDigest
        log.info(status)
      } else if (layers.get(message.id) !== status) {
        // One line per layer and state change; "Pushing" repeats with every progress tick.
        layers.set(message.id, status)
        if (QUIET_STATUSES.has(status)) log.debug(`${message.id}: ${status}`)
        else log.info(`${message.id}: ${status}`)
      }
    })
    if (error !== undefined) throw new Error(`Push of ${reference} failed: ${error}`)

    const digest = auxDigest ?? lineDigest ?? (await localRepoDigest(docker, reference, repository))
    if (digest === undefined) {
      throw new Error(`Pushed ${reference}, but the daemon reported no digest and the image has no RepoDigest`)
    }
    log.info(`Pushed ${withDigest(repository, digest)}`)
    return { digest }
  })
}
