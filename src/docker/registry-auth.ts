// Registry credentials for the Engine API. The daemon takes them as the X-Registry-Auth header:
// base64url (with padding, Go's base64.URLEncoding) of {"username","password","serveraddress"}.
import type { AuthConfig } from 'dockerode'
import type { RegistryAuth } from '../config/types.js'
import type { Log } from '../log.js'

/**
 * The X-Registry-Auth value for these credentials. The password and the header itself are masked
 * before the header exists outside this function: the header is the password in another encoding.
 */
export function registryAuthHeader(auth: RegistryAuth, log: Log): string {
  log.setSecret(auth.password)
  const json = JSON.stringify({
    username: auth.username,
    password: auth.password,
    serveraddress: auth.serveraddress
  })
  const header = Buffer.from(json, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
  log.setSecret(header)
  return header
}

/**
 * dockerode's authconfig option carrying exactly the masked header (docker-modem sends `base64`
 * as is), or undefined when there are no credentials (a public or unauthenticated registry).
 */
export function dockerodeAuthconfig(auth: RegistryAuth | undefined, log: Log): AuthConfig | undefined {
  return auth === undefined ? undefined : { base64: registryAuthHeader(auth, log) }
}
