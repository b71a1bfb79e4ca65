// Digests for references: from the registry (what a Swarm node would pull) or from the local image.
// The Engine API does not pin digests in service specs, so the rollout resolves them here first.
import type Docker from 'dockerode'
import type { RegistryAuth } from '../config/types.js'
import type { Log } from '../log.js'
import { daemonMessage } from './client.js'
import { dockerodeAuthconfig } from './registry-auth.js'

const DIGEST = /^sha256:[0-9a-f]{64}$/

/**
 * The manifest digest the registry serves for `reference` (GET /distribution/{name}/json, the
 * call `docker service update` makes). Throws naming the reference when the registry can't say.
 */
export async function resolveDigest(
  docker: Docker,
  reference: string,
  auth: RegistryAuth | undefined,
  log: Log
): Promise<string> {
  const authconfig = dockerodeAuthconfig(auth, log)
  let digest: string | undefined
  try {
    const info = await docker.getImage(reference).distribution(authconfig ? { authconfig } : {})
    digest = info.Descriptor?.digest
  } catch (err) {
    throw new Error(`Could not resolve the digest of ${reference} from its registry: ${daemonMessage(err)}`)
  }
  if (digest === undefined || !DIGEST.test(digest)) {
    throw new Error(`The registry returned no sha256 digest for ${reference} (got ${String(digest)})`)
  }
  log.debug(`${reference} resolves to ${digest}`)
  return digest
}

/**
 * The digest under which the local image `reference` was pushed to (or pulled from) `repository`,
 * from its RepoDigests; undefined when the image is not here or was never pushed there.
 */
export async function localRepoDigest(
  docker: Docker,
  reference: string,
  repository: string
): Promise<string | undefined> {
  let repoDigests: string[]
  try {
    repoDigests = (await docker.getImage(reference).inspect()).RepoDigests ?? []
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined
    throw err
  }
  const wanted = familiarName(repository)
  for (const repoDigest of repoDigests) {
    const at = repoDigest.lastIndexOf('@')
    const digest = repoDigest.slice(at + 1)
    if (at > 0 && familiarName(repoDigest.slice(0, at)) === wanted && DIGEST.test(digest)) return digest
  }
  return undefined
}

/** The daemon writes Docker Hub names short (`nginx`, `user/app`); compare them that way. */
function familiarName(repository: string): string {
  return repository.replace(/^(?:docker\.io|index\.docker\.io)\//, '').replace(/^library\/(?=[^/]+$)/, '')
}
