// The first contact's failures, said in terms of the settings to fix.
import { describe, expect, it } from '@jest/globals'
import type { DockerHost } from '../../src/config/types.js'
import { explainConnectError } from '../../src/docker/connect-check.js'

const SSH: DockerHost = { kind: 'ssh', user: 'deploy', host: 'swarm.example.com', port: 22, privateKey: 'k', knownHosts: 'x' }
const TLS: DockerHost = { kind: 'tcp', host: 'docker.example.com', port: 2376, tls: { ca: 'a', cert: 'b', key: 'c' } }
const TCP: DockerHost = { kind: 'tcp', host: 'docker.example.com', port: 2375 }
const UNIX: DockerHost = { kind: 'unix', socketPath: '/var/run/docker.sock' }
const err = (fields: Record<string, unknown>): Error => Object.assign(new Error(String(fields.message ?? '')), fields)

describe('explainConnectError', () => {
  it.each<[string, unknown, DockerHost, string]>([
    ['host key not pinned', err({ level: 'handshake', message: 'Host denied (verification failed)' }), SSH,
      'the host key it presented is not one listed for swarm.example.com:22 in ssh-known-hosts. If the host was rebuilt, check its new key out of band and update ssh-known-hosts; otherwise someone may be posing as the host'],
    ['key refused', err({ level: 'client-authentication', message: 'All configured authentication methods failed' }), SSH,
      "the SSH server refused ssh-private-key for user deploy (is its public key in that user's authorized_keys?)"],
    ['wrong passphrase', err({ message: 'Cannot parse privateKey: Encrypted private OpenSSH key detected, but no passphrase given' }), SSH,
      'ssh-private-key could not be decrypted: check ssh-key-passphrase (Cannot parse privateKey: Encrypted private OpenSSH key detected, but no passphrase given)'],
    ['refused', err({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:2376' }), TLS, 'nothing accepts connections at docker.example.com:2376 (connect ECONNREFUSED 10.0.0.1:2376)'],
    ['no socket', err({ code: 'ENOENT', message: 'connect ENOENT /var/run/docker.sock' }), UNIX, 'there is no socket at /var/run/docker.sock: is dockerd running there?'],
    ['no permission', err({ code: 'EACCES', message: 'connect EACCES /var/run/docker.sock' }), UNIX, 'permission denied on /var/run/docker.sock: the user needs to be in the docker group'],
    ['unknown host', err({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND docker.example.com' }), TLS, 'the host name does not resolve (getaddrinfo ENOTFOUND docker.example.com)'],
    ['client cert refused', err({ code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', message: 'sslv3 alert bad certificate' }), TLS,
      'the engine refused the client certificate: tls-cert must be signed by the CA the engine trusts (its --tlscacert) (sslv3 alert bad certificate)'],
    ['server cert from another CA', err({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }), TLS,
      "the engine's certificate is not signed by tls-ca (unable to verify the first certificate)"],
    ['server cert for another name', err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }), TLS,
      "the engine's certificate is not made out to docker.example.com (Hostname/IP does not match certificate's altnames)"],
    ['plain HTTP to a TLS port', err({ statusCode: 400, message: '(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.' }), TCP,
      'it expects TLS: set tls-ca, tls-cert and tls-key'],
    ['TLS to a plain port', err({ code: 'EPROTO', message: 'wrong version number' }), TLS,
      'it does not speak TLS at docker.example.com:2376: drop tls-ca, tls-cert and tls-key, or use its TLS port (wrong version number)'],
    ['anything else', err({ message: 'something odd' }), TCP, 'something odd']
  ])('%s', (_name, error, host, expected) => {
    expect(explainConnectError(error, host)).toBe(expected)
  })
})
