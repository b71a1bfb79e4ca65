// Docker image references, following the grammar of github.com/distribution/reference:
//
//   reference      := name [ ":" tag ] [ "@" digest ]
//   name           := [ domain "/" ] path-component [ "/" path-component ]*
//   domain         := host [ ":" port ]      host: DNS name, IPv4, or [IPv6]
//   path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*     separator: "." | "_" | "__" | "-"+
//   tag            := [\w][\w.-]{0,127}
//
// Only sha256 digests are accepted: that is what registries return and what we deploy.
import type { ImageRef } from '../config/types.js'

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`
const DOMAIN = new RegExp(`^${HOST}(?::[0-9]+)?$`)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/
// The reference library's limit on the whole name (domain and path).
const NAME_MAX = 255

/** True for a valid tag: a word character, then up to 127 word characters, `.` or `-`. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag)
}

/** True for `sha256:` followed by 64 lowercase hex digits. */
export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest)
}

/** Parses `[host[:port]/]path[:tag][@sha256:hex]`; undefined when it is not a valid reference. */
export function parseImageRef(text: string): ImageRef | undefined {
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!isValidDigest(digest)) return undefined
  }
  let tag: string | undefined
  // A tag follows the last ':' only when no '/' comes after it; otherwise that ':' is a port.
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!isValidTag(tag)) return undefined
  }
  if (!isValidRepository(rest)) return undefined
  const ref: ImageRef = { repository: rest }
  if (tag !== undefined) ref.tag = tag
  if (digest !== undefined) ref.digest = digest
  return ref
}

function isValidRepository(name: string): boolean {
  if (name.length === 0 || name.length > NAME_MAX) return false
  const parts = name.split('/')
  const [first, ...others] = parts
  const path = hasDomain(name) ? others : parts
  if (path.length === 0) return false
  if (hasDomain(name) && !DOMAIN.test(first)) return false
  return path.every((part) => PATH_COMPONENT.test(part))
}

/**
 * Docker's rule for telling a registry host from a path: the first component is a host when more
 * components follow and it has a '.' or ':', is `localhost`, or has an uppercase letter.
 */
function hasDomain(repository: string): boolean {
  const slash = repository.indexOf('/')
  if (slash < 0) return false
  const first = repository.slice(0, slash)
  return /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()
}

/** `repository[:tag][@digest]`. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`
}

/** `repository@sha256:…`: what a rollout deploys. Accepts the digest with or without `sha256:`. */
export function withDigest(repository: string, digest: string): string {
  return `${repository}@${digest.startsWith('sha256:') ? digest : `sha256:${digest}`}`
}

/** The registry host to authenticate against: the domain, or `docker.io` for Docker Hub names. */
export function registryHost(repository: string): string {
  return hasDomain(repository) ? repository.slice(0, repository.indexOf('/')) : 'docker.io'
}

/** The digest in `repo:tag@sha256:…`, or undefined for an unpinned reference. */
export function digestOf(image: string | undefined): string | undefined {
  const at = image?.lastIndexOf('@') ?? -1
  return image && at >= 0 ? image.slice(at + 1) : undefined
}

/** Two references name the same release when their digests match, or, unpinned, their text does. */
export function sameRelease(a: string | undefined, b: string): boolean {
  if (!a) return false
  const da = digestOf(a)
  const db = digestOf(b)
  return da && db ? da === db : a === b
}
