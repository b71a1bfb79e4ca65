// The first contact with the Docker engine, before anything else: a failure here is almost always a
// setting (address, key, certificate, host key), so it is said in those terms, naming the input to fix.
import type Docker from 'dockerode'
import type { DockerHost } from '../config/types.js'
import { describeDockerHost } from './client.js'

/** Pings the engine; throws an Error that says what is wrong with the connection settings. */
export async function checkConnection(docker: Docker, host: DockerHost): Promise<void> {
  try {
    await docker.ping()
  } catch (error) {
    throw new Error(`Cannot reach the Docker engine at ${describeDockerHost(host)}: ${explainConnectError(error, host)}`)
  }
}

/** What a failed first call means for these settings (pure). */
export function explainConnectError(error: unknown, host: DockerHost): string {
  const e = (error ?? {}) as { code?: string; level?: string; message?: string; statusCode?: number }
  const message = e.message ?? String(error)
  const where = host.kind === 'unix' ? host.socketPath : `${host.host}:${host.port}`
  if (e.level === 'handshake' && /verification failed/i.test(message)) {
    return `the host key it presented is not one listed for ${where} in ssh-known-hosts. If the host was rebuilt, ` +
      'check its new key out of band and update ssh-known-hosts; otherwise someone may be posing as the host'
  }
  if (e.level === 'client-authentication') {
    return `the SSH server refused ssh-private-key for user ${host.kind === 'ssh' ? host.user : '?'} (is its public key in that user's authorized_keys?)`
  }
  if (/passphrase|encrypted private key|bad decrypt/i.test(message)) {
    return `ssh-private-key could not be decrypted: check ssh-key-passphrase (${message})`
  }
  if (e.code === 'ECONNREFUSED') return `nothing accepts connections at ${where} (${message})`
  if (e.code === 'ENOENT' && host.kind === 'unix') return `there is no socket at ${host.socketPath}: is dockerd running there?`
  if (e.code === 'EACCES' && host.kind === 'unix') return `permission denied on ${host.socketPath}: the user needs to be in the docker group`
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `the host name does not resolve (${message})`
  if (/BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|alert (bad|unknown) certificate/i.test(`${e.code ?? ''} ${message}`)) {
    return `the engine refused the client certificate: tls-cert must be signed by the CA the engine trusts (its --tlscacert) (${message})`
  }
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|CERT_UNTRUSTED|UNABLE_TO_GET_ISSUER/i.test(e.code ?? '')) {
    return `the engine's certificate is not signed by tls-ca (${message})`
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the engine's certificate is not made out to ${host.kind === 'tcp' ? host.host : where} (${message})`
  if (/^ERR_OSSL_PEM|PEM routines/i.test(`${e.code ?? ''} ${message}`)) return `tls-ca, tls-cert or tls-key is not valid PEM (${message})`
  if (e.statusCode === 400 && /HTTPS server/i.test(message)) return 'it expects TLS: set tls-ca, tls-cert and tls-key'
  if (/wrong version number|EPROTO/i.test(`${e.code ?? ''} ${message}`)) return `it does not speak TLS at ${where}: drop tls-ca, tls-cert and tls-key, or use its TLS port (${message})`
  return message
}
