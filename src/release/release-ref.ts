// What a release is, as the engine passes it around: a string naming the image (`repo:tag@sha256:…`)
// and, when the release is told apart by more than its image, its identity: `<image> (config <id>)`.
// Two releases of one image (a config-only release: env or labels changed) differ in the identity,
// which is written into the container labels as zdd.release=<id>; a replica belongs to a release when
// its image has the release's digest AND its zdd.release label is the release's id (both absent: equal).
// An image-only rollout keeps whatever identity the service had, so it behaves as before. Pure.
import { createHash } from 'node:crypto'

/** Container label holding the release identity (a short hash of digest, env and labels). */
export const RELEASE_LABEL = 'zdd.release'

export interface ReleaseParts {
  image: string
  id?: string
}

const WITH_ID = /^(\S+) \(config ([0-9a-f]{6,64})\)$/

export function formatRelease(image: string, id?: string): string {
  return id ? `${image} (config ${id})` : image
}

export function parseRelease(ref: string): ReleaseParts {
  const match = WITH_ID.exec(ref)
  return match ? { image: match[1], id: match[2] } : { image: ref }
}

/** The image of a release, for outputs, specs and recorded labels. */
export function imageOf(ref: string): string {
  return parseRelease(ref).image
}

/** The identity of a release: digest, env (in order) and container labels (sorted, ours left out). */
export function releaseId(digest: string, env: readonly string[], labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .filter((key) => key !== RELEASE_LABEL)
    .sort()
    .map((key) => [key, labels[key]])
  return createHash('sha256').update(JSON.stringify([digest, env, sorted])).digest('hex').slice(0, 12)
}

/** The digest in `repo:tag@sha256:…`, or undefined for an unpinned reference. */
export function digestOf(image: string | undefined): string | undefined {
  const at = image?.lastIndexOf('@') ?? -1
  return image && at >= 0 ? image.slice(at + 1) : undefined
}

/** Two image references are the same image when their digests match, or, unpinned, their text does. */
export function sameRelease(a: string | undefined, b: string): boolean {
  if (!a) return false
  const da = digestOf(a)
  const db = digestOf(imageOf(b))
  return da && db ? da === db : a === imageOf(b)
}

/** Whether a replica (its image and container labels) runs the release `ref`. */
export function onRelease(image: string | undefined, labels: Readonly<Record<string, string>> | undefined, ref: string): boolean {
  return sameRelease(image, ref) && labels?.[RELEASE_LABEL] === parseRelease(ref).id
}
