import { describe, it, expect } from '@jest/globals'
import { INPUT_DEFAULTS, type Inputs } from '../../src/config/inputs.js'
import { InputError } from '../../src/config/input-error.js'
import { parseConfig } from '../../src/config/parse-config.js'
import type { Config } from '../../src/config/types.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const DIGEST = `sha256:${'b'.repeat(64)}`
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'
const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----'
const TLS_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----'

const BASE: Inputs = { ...INPUT_DEFAULTS, image: '127.0.0.1:5000/app:v1', service: 'web' }
const ENV = { GITHUB_SHA: SHA }

function config(overrides: Partial<Inputs>, env: NodeJS.ProcessEnv = ENV): Config {
  return parseConfig({ ...BASE, ...overrides }, env)
}

/** The Config of BASE, for good-input rows to change only what they are about. */
const DEFAULT_CONFIG: Config = {
  dockerHost: { kind: 'unix', socketPath: '/var/run/docker.sock' },
  operation: 'deploy',
  image: { repository: '127.0.0.1:5000/app', tag: 'v1' },
  tags: [],
  dockerfile: 'Dockerfile',
  buildArgs: {},
  push: true,
  service: 'web',
  strategy: 'rolling',
  canarySteps: [10, 50],
  scaleDownDelayMs: 30_000,
  batchSize: { kind: 'count', value: 1 },
  monitorMs: 10_000,
  deadlineMs: 120_000,
  timeoutMs: 900_000,
  autoRollback: true,
  lockTimeoutMs: 600_000,
  forceUnlock: false,
  dryRun: false
}

const DURATION = 'a duration such as 500ms, 10s, 2m or 1m30s'
const POSITIVE_DURATION = 'a duration greater than zero, such as 500ms, 10s, 2m or 1m30s'
const HOST_FORM = 'unix:///path/to/docker.sock, tcp://host[:port] or ssh://user@host[:port]'
const IMAGE_FORM = 'an image reference such as ghcr.io/owner/app, app:1.0 or 127.0.0.1:5000/app@sha256:<64 hex> (lowercase repository)'
const BATCH = 'a whole number of replicas (1 or more) or a percentage from 1% to 100%'
const STRATEGY = 'rolling, canary or blue-green'
const CANARY_STEPS = 'percentages above 0% and below 100% in increasing order, such as 10%,50%, with pause where the run should wait for promote'
const PROM = { 'prometheus-url': 'http://127.0.0.1:9090', 'metrics-query': 'sum(rate(x[1m]))', 'success-condition': 'result < 0.01' }
const TAGS = 'tags separated by commas or new lines, each a letter, digit or _ followed by up to 127 letters, digits, _, . or -'
const BUILD_ARGS = 'lines of KEY=VALUE, where KEY is a letter or _ followed by letters, digits or _'
const SERVICE = 'a Swarm service name: a letter or digit followed by letters, digits, _, . or -, at most 63 characters'
const URL_FORM = 'an http:// or https:// URL such as http://127.0.0.1:8080/health'
const SSH = { 'docker-host': 'ssh://deploy@example.com', 'ssh-private-key': KEY }
const TLS = { 'docker-host': 'tcp://docker.example.com', 'tls-ca': CA, 'tls-cert': CERT, 'tls-key': TLS_KEY }

type BadRow = [string, Partial<Inputs>, NodeJS.ProcessEnv, string]

const bad: BadRow[] = [
  // where
  ['http docker-host', { 'docker-host': 'http://localhost:2375' }, ENV, `Invalid input 'docker-host': "http://localhost:2375". Expected ${HOST_FORM}.`],
  ['bare host', { 'docker-host': 'localhost:2375' }, ENV, `Invalid input 'docker-host': "localhost:2375". Expected ${HOST_FORM}.`],
  ['bad DOCKER_HOST', {}, { ...ENV, DOCKER_HOST: 'npipe:////./pipe/docker' }, `Invalid input 'docker-host': "npipe:////./pipe/docker". Expected ${HOST_FORM}.`],
  ['unix without path', { 'docker-host': 'unix://' }, ENV, `Invalid input 'docker-host': "unix://". Expected ${HOST_FORM}.`],
  ['tcp with a path', { 'docker-host': 'tcp://host:2375/v1' }, ENV, `Invalid input 'docker-host': "tcp://host:2375/v1". Expected ${HOST_FORM}.`],
  ['tcp port too big', { 'docker-host': 'tcp://host:99999' }, ENV, `Invalid input 'docker-host': "tcp://host:99999". Expected a port from 1 to 65535.`],
  ['tcp port 0', { 'docker-host': 'tcp://host:0' }, ENV, `Invalid input 'docker-host': "tcp://host:0". Expected a port from 1 to 65535.`],
  ['ssh without user', { ...SSH, 'docker-host': 'ssh://example.com' }, ENV, `Invalid input 'docker-host': "ssh://example.com". Expected ssh://user@host[:port] (the user is required).`],
  ['ssh without key', { 'docker-host': 'ssh://deploy@example.com:2222' }, ENV, `Invalid input 'ssh-private-key': (empty). Expected a private key (the contents, not a path): it is required with ssh:// in docker-host.`],
  ['ssh without known hosts', SSH, ENV, "Invalid input 'ssh-known-hosts': (empty). Expected the host's public key in known_hosts form, as `ssh-keyscan example.com` prints it (check it against the host before trusting it); or set ssh-insecure-skip-host-key-check: true to connect without checking it."],
  ['ssh on a port without known hosts', { ...SSH, 'docker-host': 'ssh://deploy@10.0.0.5:2222' }, ENV, "Invalid input 'ssh-known-hosts': (empty). Expected the host's public key in known_hosts form, as `ssh-keyscan -p 2222 10.0.0.5` prints it (check it against the host before trusting it); or set ssh-insecure-skip-host-key-check: true to connect without checking it."],
  ['ssh known hosts and skip check', { ...SSH, 'ssh-known-hosts': 'example.com ssh-ed25519 AAAA', 'ssh-insecure-skip-host-key-check': 'true' }, ENV, `Invalid input 'ssh-insecure-skip-host-key-check': "true". Expected false when ssh-known-hosts is given (the key would be checked anyway).`],
  ['ssh skip check not a boolean', { ...SSH, 'ssh-insecure-skip-host-key-check': 'yes please' }, ENV, `Invalid input 'ssh-insecure-skip-host-key-check': "yes please". Expected true or false.`],
  ['passphrase for a PEM key that is not encrypted', { ...SSH, 'ssh-private-key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'ssh-known-hosts': 'example.com ssh-ed25519 AAAA', 'ssh-key-passphrase': 'hunter2' }, ENV, `Invalid input 'ssh-key-passphrase': (secret, 7 characters). Expected empty: ssh-private-key is not encrypted.`],
  ['passphrase without ssh host', { 'ssh-key-passphrase': 'hunter2' }, ENV, `Invalid input 'ssh-key-passphrase': (secret, 7 characters). Expected empty unless docker-host is ssh://user@host[:port].`],
  ['ssh key as a path', { ...SSH, 'ssh-private-key': '~/.ssh/id_ed25519' }, ENV, `Invalid input 'ssh-private-key': (secret, 17 characters). Expected the private key contents (-----BEGIN … PRIVATE KEY-----), not a path.`],
  ['ssh key without ssh host', { 'ssh-private-key': KEY }, ENV, `Invalid input 'ssh-private-key': (secret, ${KEY.length} characters). Expected empty unless docker-host is ssh://user@host[:port].`],
  ['known hosts without ssh host', { 'ssh-known-hosts': 'example.com ssh-ed25519 AAAA' }, ENV, `Invalid input 'ssh-known-hosts': "example.com ssh-ed25519 AAAA". Expected empty unless docker-host is ssh://user@host[:port].`],
  ['tls without tls-key', { ...TLS, 'tls-key': '' }, ENV, `Invalid input 'tls-key': (empty). Expected PEM contents: tls-ca, tls-cert and tls-key are given together or not at all.`],
  ['tls with only tls-key', { 'docker-host': 'tcp://h', 'tls-key': TLS_KEY }, ENV, `Invalid input 'tls-ca': (empty). Expected PEM contents: tls-ca, tls-cert and tls-key are given together or not at all.`],
  ['tls-ca as a path', { ...TLS, 'tls-ca': 'certs/ca.pem' }, ENV, `Invalid input 'tls-ca': "certs/ca.pem". Expected PEM contents (-----BEGIN …), not a path.`],
  ['tls with ssh host', { ...SSH, 'tls-ca': CA, 'tls-cert': CERT, 'tls-key': TLS_KEY }, ENV, `Invalid input 'tls-ca': "-----BEGIN CERTIFICATE-----\\nMIIBca\\n-----END CERTIFICATE-----". Expected empty unless docker-host is tcp://host[:port].`],
  // what
  ['no image', { image: '' }, ENV, `Invalid input 'image': (empty). Expected ${IMAGE_FORM}.`],
  ['uppercase image', { image: 'MyApp:v1' }, ENV, `Invalid input 'image': "MyApp:v1". Expected ${IMAGE_FORM}.`],
  ['image with a space', { image: 'my app' }, ENV, `Invalid input 'image': "my app". Expected ${IMAGE_FORM}.`],
  ['bad digest', { image: 'app@sha256:123' }, ENV, `Invalid input 'image': "app@sha256:123". Expected ${IMAGE_FORM}.`],
  ['no tag, no GITHUB_SHA', { image: 'ghcr.io/o/app' }, {}, `Invalid input 'image': "ghcr.io/o/app". Expected a tag (image:tag) or a digest, since GITHUB_SHA is not set.`],
  ['digest with a build', { image: `app@${DIGEST}`, context: '.' }, ENV, `Invalid input 'image': "app@${DIGEST.slice(0, 56)}…" (${4 + DIGEST.length} characters). Expected a repository with an optional tag but no digest when context is set (the build makes the digest).`],
  ['bad extra tag', { tags: 'latest, -bad' }, ENV, `Invalid input 'tags': "-bad". Expected ${TAGS}.`],
  ['tag with a slash', { tags: 'latest\nfeature/x' }, ENV, `Invalid input 'tags': "feature/x". Expected ${TAGS}.`],
  ['dockerfile outside the context', { dockerfile: '../Dockerfile' }, ENV, `Invalid input 'dockerfile': "../Dockerfile". Expected a path inside the context, such as Dockerfile or docker/app.Dockerfile.`],
  ['absolute dockerfile', { dockerfile: '/src/Dockerfile' }, ENV, `Invalid input 'dockerfile': "/src/Dockerfile". Expected a path inside the context, such as Dockerfile or docker/app.Dockerfile.`],
  ['build arg without =', { 'build-args': 'A=1\nVERSION' }, ENV, `Invalid input 'build-args': "VERSION". Expected ${BUILD_ARGS}.`],
  ['build arg bad key', { 'build-args': '1A=x' }, ENV, `Invalid input 'build-args': "1A=x". Expected ${BUILD_ARGS}.`],
  ['build arg empty key', { 'build-args': '=x' }, ENV, `Invalid input 'build-args': "=x". Expected ${BUILD_ARGS}.`],
  ['build arg repeated', { 'build-args': 'A=1\nA=2' }, ENV, `Invalid input 'build-args': "A=2". Expected each KEY only once (A is repeated).`],
  ['push maybe', { push: 'maybe' }, ENV, `Invalid input 'push': "maybe". Expected true or false.`],
  ['username without password', { 'registry-username': 'me' }, ENV, `Invalid input 'registry-password': (empty). Expected a password or token, since registry-username is set.`],
  ['password without username', { 'registry-password': 'hunter2' }, ENV, `Invalid input 'registry-username': (empty). Expected a user name, since registry-password is set.`],
  // how
  ['service with a space', { service: 'my service' }, ENV, `Invalid input 'service': "my service". Expected ${SERVICE}.`],
  ['service starting with -', { service: '-web' }, ENV, `Invalid input 'service': "-web". Expected ${SERVICE}.`],
  ['service too long', { service: 's'.repeat(64) }, ENV, `Invalid input 'service': "${'s'.repeat(60)}…" (64 characters). Expected ${SERVICE}.`],
  ['strategy Canary (case)', { strategy: 'Canary' }, ENV, `Invalid input 'strategy': "Canary". Expected ${STRATEGY}.`],
  ['canary-steps 0%', { strategy: 'canary', 'canary-steps': '0%,50%' }, ENV, `Invalid input 'canary-steps': "0%,50%". Expected ${CANARY_STEPS}; entry 1 (0%) is not above 0%.`],
  ['canary-steps 100%', { 'canary-steps': '50%,100%' }, ENV, `Invalid input 'canary-steps': "50%,100%". Expected ${CANARY_STEPS}; entry 2 (100%) is not below 100% (promotion follows the last step).`],
  ['canary-steps decreasing', { 'canary-steps': '50%,10%' }, ENV, `Invalid input 'canary-steps': "50%,10%". Expected ${CANARY_STEPS}; entry 2 (10%) is not above the step before it (50%).`],
  ['canary-steps not a percentage', { 'canary-steps': '10,50%' }, ENV, `Invalid input 'canary-steps': "10,50%". Expected ${CANARY_STEPS}; entry 1 (10) is not a percentage or pause.`],
  ['preview-url with rolling', { 'preview-url': 'http://h/health' }, ENV, `Invalid input 'preview-url': "http://h/health". Expected empty unless strategy is blue-green.`],
  ['preview-url not http', { strategy: 'blue-green', 'preview-url': 'h:80/health' }, ENV, `Invalid input 'preview-url': "h:80/health". Expected ${URL_FORM}.`],
  ['operation unknown', { operation: 'redeploy' }, ENV, `Invalid input 'operation': "redeploy". Expected deploy, rollback, promote or abort.`],
  ['rollback without service', { operation: 'rollback', service: '' }, ENV, `Invalid input 'service': (empty). Expected the name of the Swarm service to rollback.`],
  ['promote with a build context', { operation: 'promote', context: '.' }, ENV, `Invalid input 'context': ".". Expected empty for operation promote (nothing is built).`],
  ['abort with an image', { operation: 'abort' }, ENV, `Invalid input 'image': "127.0.0.1:5000/app:v1". Expected empty for operation abort (the canary's own release is used).`],
  ['canary-steps pause first', { 'canary-steps': 'pause,10%' }, ENV, `Invalid input 'canary-steps': "pause,10%". Expected ${CANARY_STEPS}; entry 1 (pause) comes before any share, when no canary runs yet.`],
  ['canary-steps two pauses', { 'canary-steps': '10%,pause,pause' }, ENV, `Invalid input 'canary-steps': "10%,pause,pause". Expected ${CANARY_STEPS}; entry 3 (pause) follows another pause.`],
  ['scale-down-delay 5x', { 'scale-down-delay': '5x' }, ENV, `Invalid input 'scale-down-delay': "5x". Expected ${DURATION}.`],
  ['prometheus-url not a URL', { ...PROM, 'prometheus-url': 'prometheus:9090' }, ENV, `Invalid input 'prometheus-url': "prometheus:9090". Expected ${URL_FORM}.`],
  ['both metrics sources', { ...PROM, 'metrics-url': 'http://h/metrics' }, ENV, `Invalid input 'metrics-url': "http://h/metrics". Expected empty when prometheus-url is set (use one metrics source).`],
  ['metrics-query without prometheus-url', { 'metrics-query': 'up' }, ENV, `Invalid input 'metrics-query': "up". Expected empty unless prometheus-url is set (with metrics-url, write the measure in success-condition).`],
  ['prometheus-url without query', { 'prometheus-url': 'http://p:9090' }, ENV, `Invalid input 'metrics-query': (empty). Expected a PromQL query, since prometheus-url is set.`],
  ['query with unknown placeholder', { ...PROM, 'metrics-query': 'up{service="{{service}}"}' }, ENV, `Invalid input 'metrics-query': "up{service=\\"{{service}}\\"}". Expected only {{canary}} and {{stable}} as placeholders (found {{service}}).`],
  ['condition without source', { 'success-condition': 'result < 1' }, ENV, `Invalid input 'success-condition': "result < 1". Expected empty unless prometheus-url or metrics-url is set.`],
  ['source without condition', { ...PROM, 'success-condition': '' }, ENV, `Invalid input 'success-condition': (empty). Expected a condition such as result < 0.01 (or compare: baseline), since a metrics source is set.`],
  ['condition syntax', { ...PROM, 'success-condition': 'result <' }, ENV, `Invalid input 'success-condition': "result <". Expected a condition on result, such as result < 0.01 (unexpected end of condition at character 9; expected a number or result).`],
  ['function with prometheus-url', { ...PROM, 'success-condition': 'increase(x) < 1' }, ENV, `Invalid input 'success-condition': "increase(x) < 1". Expected a condition on result, such as result < 0.01 (functions like increase() apply to metrics-url; with prometheus-url write them in metrics-query).`],
  ['result with metrics-url', { 'metrics-url': 'http://h/metrics', 'success-condition': 'result < 1' }, ENV, `Invalid input 'success-condition': "result < 1". Expected a condition such as ratio(http_requests_total{code=~"5.."}, http_requests_total) < 0.01 ('result' at character 1 needs prometheus-url and metrics-query; with metrics-url use increase(), rate(), ratio(), quantile() or value()).`],
  ['condition that cannot fail', { ...PROM, 'success-condition': '1 < 2' }, ENV, `Invalid input 'success-condition': "1 < 2". Expected a condition on result, such as result < 0.01 ('1 < 2' at character 1 compares two numbers; one side must be result).`],
  ['bad regex in a selector', { 'metrics-url': 'http://h/metrics', 'success-condition': 'increase(x{code=~"5(("}) < 1' }, ENV, `Invalid input 'success-condition': "increase(x{code=~\\"5((\\"}) < 1". Expected a condition such as ratio(http_requests_total{code=~"5.."}, http_requests_total) < 0.01 (invalid regex "5((" for label 'code' at character 18: Unterminated group).`],
  ['no-data maybe', { ...PROM, 'no-data': 'skip' }, ENV, `Invalid input 'no-data': "skip". Expected fail, inconclusive or pass.`],
  ['compare always', { ...PROM, compare: 'always' }, ENV, `Invalid input 'compare': "always". Expected none or baseline.`],
  ['baseline without source', { compare: 'baseline' }, ENV, `Invalid input 'compare': "baseline". Expected none unless prometheus-url or metrics-url is set.`],
  ['baseline with rolling', { ...PROM, compare: 'baseline' }, ENV, `Invalid input 'compare': "baseline". Expected none unless strategy is canary (a baseline needs stable replicas serving beside the new ones).`],
  ['baseline query without {{canary}}', { ...PROM, strategy: 'canary', compare: 'baseline' }, ENV, `Invalid input 'metrics-query': "sum(rate(x[1m]))". Expected a query with {{canary}} where the service name goes, so that it can be run for the canary and for the stable service.`],
  ['baseline-tolerance 20', { ...PROM, 'baseline-tolerance': '20' }, ENV, `Invalid input 'baseline-tolerance': "20". Expected a relative and/or absolute margin such as 20%, +0.01 or 20%+0.01 (write 20% for a relative margin or +20 for an absolute one).`],
  ['analysis-duration shorter than interval', { ...PROM, 'analysis-interval': '30s', 'analysis-duration': '10s' }, ENV, `Invalid input 'analysis-duration': "10s". Expected a duration at least as long as analysis-interval (30s).`],
  ['failure-limit -1', { ...PROM, 'failure-limit': '-1' }, ENV, `Invalid input 'failure-limit': "-1". Expected a whole number, 0 or more.`],
  ['inconclusive-limit 1.5', { ...PROM, 'inconclusive-limit': '1.5' }, ENV, `Invalid input 'inconclusive-limit': "1.5". Expected a whole number, 0 or more.`],
  ['analysis-interval 0', { ...PROM, 'analysis-interval': '0s' }, ENV, `Invalid input 'analysis-interval': "0s". Expected ${POSITIVE_DURATION}.`],
  ['unknown strategy', { strategy: 'recreate' }, ENV, `Invalid input 'strategy': "recreate". Expected ${STRATEGY}.`],
  ['batch-size 0', { 'batch-size': '0' }, ENV, `Invalid input 'batch-size': "0". Expected ${BATCH}.`],
  ['batch-size -1', { 'batch-size': '-1' }, ENV, `Invalid input 'batch-size': "-1". Expected ${BATCH}.`],
  ['batch-size 150%', { 'batch-size': '150%' }, ENV, `Invalid input 'batch-size': "150%". Expected ${BATCH}.`],
  ['batch-size 0%', { 'batch-size': '0%' }, ENV, `Invalid input 'batch-size': "0%". Expected ${BATCH}.`],
  ['batch-size 1.5', { 'batch-size': '1.5' }, ENV, `Invalid input 'batch-size': "1.5". Expected ${BATCH}.`],
  ['batch-size abc', { 'batch-size': 'abc' }, ENV, `Invalid input 'batch-size': "abc". Expected ${BATCH}.`],
  ['ftp health-url', { 'health-url': 'ftp://example.com/health' }, ENV, `Invalid input 'health-url': "ftp://example.com/health". Expected ${URL_FORM}.`],
  ['health-url without scheme', { 'health-url': 'localhost:8080/health' }, ENV, `Invalid input 'health-url': "localhost:8080/health". Expected ${URL_FORM}.`],
  ['health-url not a URL', { 'health-url': 'http://' }, ENV, `Invalid input 'health-url': "http://". Expected ${URL_FORM}.`],
  ['health-body without url', { 'health-body': 'ok' }, ENV, `Invalid input 'health-url': (empty). Expected an http:// or https:// URL, since health-body is set.`],
  ['health-body bad regex', { 'health-url': 'http://h/', 'health-body': '(ok' }, ENV, `Invalid input 'health-body': "(ok". Expected a regular expression (Unterminated group).`],
  ['health-status 600', { 'health-status': '200-600' }, ENV, `Invalid input 'health-status': "200-600". Expected HTTP status codes from 100 to 599, such as 200-399, 200 or 200,204,300-302.`],
  ['health-interval 0', { 'health-interval': '0s' }, ENV, `Invalid input 'health-interval': "0s". Expected ${POSITIVE_DURATION}.`],
  ['health-timeout 10x', { 'health-timeout': '10x' }, ENV, `Invalid input 'health-timeout': "10x". Expected ${DURATION}.`],
  ['health-successes 0', { 'health-successes': '0' }, ENV, `Invalid input 'health-successes': "0". Expected a whole number, 1 or more.`],
  ['health-successes 2.5', { 'health-successes': '2.5' }, ENV, `Invalid input 'health-successes': "2.5". Expected a whole number, 1 or more.`],
  ['monitor negative', { monitor: '-10s' }, ENV, `Invalid input 'monitor': "-10s". Expected ${DURATION}.`],
  ['deadline 1.5.3s', { deadline: '1.5.3s' }, ENV, `Invalid input 'deadline': "1.5.3s". Expected ${DURATION}.`],
  ['deadline 0', { deadline: '0' }, ENV, `Invalid input 'deadline': "0". Expected ${POSITIVE_DURATION}.`],
  ['timeout empty-ish', { timeout: 'm' }, ENV, `Invalid input 'timeout': "m". Expected ${DURATION}.`],
  ['auto-rollback on', { 'auto-rollback': 'on' }, ENV, `Invalid input 'auto-rollback': "on". Expected true or false.`],
  ['dry-run y', { 'dry-run': 'y' }, ENV, `Invalid input 'dry-run': "y". Expected true or false.`]
]

describe('parseConfig rejects bad inputs with one exact message', () => {
  it.each(bad)('%s', (_title, overrides, env, message) => {
    let error: unknown
    try {
      config(overrides, env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toBe(message)
  })

  it('never shows a secret', () => {
    const secret = 'hunter2-very-secret'
    for (const overrides of [
      { 'registry-password': secret },
      { 'ssh-private-key': secret },
      { ...SSH, 'ssh-private-key': secret },
      { ...TLS, 'tls-key': secret }
    ]) {
      expect(() => config(overrides)).toThrow(InputError)
      expect(() => config(overrides)).not.toThrow(secret)
    }
  })
})

type GoodRow = [string, Partial<Inputs>, NodeJS.ProcessEnv, Partial<Config>]

const good: GoodRow[] = [
  ['the defaults', {}, ENV, {}],
  ['DOCKER_HOST from env', {}, { ...ENV, DOCKER_HOST: 'tcp://10.0.0.5:2375' }, { dockerHost: { kind: 'tcp', host: '10.0.0.5', port: 2375 } }],
  ['docker-host over DOCKER_HOST', { 'docker-host': 'unix:///run/user/1000/docker.sock' }, { ...ENV, DOCKER_HOST: 'tcp://x' }, { dockerHost: { kind: 'unix', socketPath: '/run/user/1000/docker.sock' } }],
  ['tcp default port', { 'docker-host': 'tcp://docker.example.com' }, ENV, { dockerHost: { kind: 'tcp', host: 'docker.example.com', port: 2375 } }],
  ['tcp IPv6', { 'docker-host': 'tcp://[::1]:2375' }, ENV, { dockerHost: { kind: 'tcp', host: '::1', port: 2375 } }],
  [
    'tcp with TLS, pasted with CRLF',
    { ...TLS, 'tls-key': `\r\n${TLS_KEY.replace(/\n/g, '\r\n')}\r\n\r\n  \n` },
    ENV,
    { dockerHost: { kind: 'tcp', host: 'docker.example.com', port: 2376, tls: { ca: `${CA}\n`, cert: `${CERT}\n`, key: `${TLS_KEY}\n` } } }
  ],
  [
    'ssh default port, host key unchecked on request',
    { ...SSH, 'ssh-insecure-skip-host-key-check': 'true' },
    ENV,
    { dockerHost: { kind: 'ssh', user: 'deploy', host: 'example.com', port: 22, privateKey: `${KEY}\n` } }
  ],
  [
    'ssh with port and known hosts',
    { ...SSH, 'docker-host': 'ssh://deploy@10.1.2.3:2222', 'ssh-known-hosts': '10.1.2.3 ssh-ed25519 AAAA\r\n' },
    ENV,
    { dockerHost: { kind: 'ssh', user: 'deploy', host: '10.1.2.3', port: 2222, privateKey: `${KEY}\n`, knownHosts: '10.1.2.3 ssh-ed25519 AAAA\n' } }
  ],
  ['tag from GITHUB_SHA', { image: 'ghcr.io/owner/app' }, ENV, { image: { repository: 'ghcr.io/owner/app', tag: '0123456789ab' } }],
  ['digest without GITHUB_SHA', { image: `app@${DIGEST}` }, {}, { image: { repository: 'app', digest: DIGEST } }],
  ['tag and digest', { image: `app:v2@${DIGEST}` }, ENV, { image: { repository: 'app', tag: 'v2', digest: DIGEST } }],
  ['extra tags', { tags: 'latest, v1.2\nv1,, latest\n' }, ENV, { tags: ['latest', 'v1.2', 'v1'] }],
  [
    'a build',
    { context: './app', dockerfile: 'docker/./prod.Dockerfile', 'build-args': 'VERSION=1.2\n\n  URL=http://x/?a=b=c\r\n_X=' },
    ENV,
    { context: './app', dockerfile: 'docker/prod.Dockerfile', buildArgs: { VERSION: '1.2', URL: 'http://x/?a=b=c', _X: '' } }
  ],
  ['push false, build only', { push: 'FALSE', service: '', context: '.' }, ENV, { push: false, service: undefined, context: '.' }],
  ['registry auth, local registry', { 'registry-username': 'me', 'registry-password': 'hunter2\n' }, ENV, { registryAuth: { username: 'me', password: 'hunter2', serveraddress: '127.0.0.1:5000' } }],
  ['registry auth, Docker Hub', { image: 'owner/app:v1', 'registry-username': 'me', 'registry-password': 'tok' }, ENV, { image: { repository: 'owner/app', tag: 'v1' }, registryAuth: { username: 'me', password: 'tok', serveraddress: 'docker.io' } }],
  ['batch-size count', { 'batch-size': '3' }, ENV, { batchSize: { kind: 'count', value: 3 } }],
  ['batch-size percent', { 'batch-size': '25%' }, ENV, { batchSize: { kind: 'percent', value: 25 } }],
  ['batch-size 100%', { 'batch-size': '100%' }, ENV, { batchSize: { kind: 'percent', value: 100 } }],
  ['durations', { monitor: '0', deadline: '1m30s', timeout: '1h' }, ENV, { monitorMs: 0, deadlineMs: 90_000, timeoutMs: 3_600_000 }],
  ['booleans', { 'auto-rollback': 'no', 'dry-run': 'Yes', push: '1' }, ENV, { autoRollback: false, dryRun: true, push: true }],
  ['service name', { service: 'stack_web.1-a' }, ENV, { service: 'stack_web.1-a' }],
  ['canary steps', { strategy: 'canary', 'canary-steps': '5%\n 25% , 60%' }, ENV, { strategy: 'canary', canarySteps: [5, 25, 60] }],
  ['canary steps with pauses', { strategy: 'canary', 'canary-steps': '10%,PAUSE,50%,pause' }, ENV, { strategy: 'canary', canarySteps: [10, 'pause', 50, 'pause'] }],
  ['rollback to the recorded release', { operation: 'rollback', image: '' }, ENV, { operation: 'rollback', image: undefined, registryAuth: undefined }],
  ['rollback to a digest', { operation: 'rollback', image: `app@${DIGEST}` }, ENV, { operation: 'rollback', image: { repository: 'app', digest: DIGEST } }],
  ['promote', { operation: 'promote', image: '' }, ENV, { operation: 'promote', image: undefined }],
  ['blue-green', { strategy: 'blue-green', 'preview-url': 'http://127.0.0.1:8081/health', 'scale-down-delay': '0' }, ENV, { strategy: 'blue-green', previewUrl: new URL('http://127.0.0.1:8081/health'), scaleDownDelayMs: 0 }],
  [
    'Prometheus analysis',
    { ...PROM, strategy: 'canary', 'metrics-query': 'sum(rate(x{s="{{canary}}"}[1m]))', compare: 'baseline', 'no-data': 'inconclusive', 'failure-limit': '2' },
    ENV,
    {
      strategy: 'canary',
      analysis: {
        source: { kind: 'prometheus', url: new URL('http://127.0.0.1:9090'), query: 'sum(rate(x{s="{{canary}}"}[1m]))' },
        condition: 'result < 0.01',
        intervalMs: 10_000,
        durationMs: 60_000,
        limits: { failureLimit: 2, inconclusiveLimit: 0, consecutiveErrorLimit: 4 },
        noData: 'inconclusive',
        baseline: { relative: 0.2, absolute: 0.01 }
      }
    }
  ],
  [
    'scraped analysis',
    { 'metrics-url': 'http://h:8404/metrics', 'success-condition': 'ratio(r{code="5xx",server=~"{{canary}}.*"}, r) < 0.05 and quantile(0.99, d) < 0.3', 'analysis-interval': '2s', 'analysis-duration': '2s' },
    ENV,
    {
      analysis: {
        source: { kind: 'scrape', url: new URL('http://h:8404/metrics') },
        condition: 'ratio(r{code="5xx",server=~"{{canary}}.*"}, r) < 0.05 and quantile(0.99, d) < 0.3',
        intervalMs: 2000,
        durationMs: 2000,
        limits: { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 },
        noData: 'fail'
      }
    }
  ]
]

describe('parseConfig accepts good inputs', () => {
  it.each(good)('%s', (_title, overrides, env, changes) => {
    const expected = { ...DEFAULT_CONFIG, ...changes }
    for (const key of Object.keys(expected) as (keyof Config)[]) if (expected[key] === undefined) delete expected[key]
    expect(config(overrides, env)).toEqual(expected)
  })

  it('builds the health gate', () => {
    const { health } = config({
      'health-url': 'https://app.example.com:8443/health?deep=1',
      'health-status': '200,204',
      'health-body': '"status":\\s*"ok"',
      'health-interval': '500ms',
      'health-timeout': '2s',
      'health-successes': '5'
    })
    expect(health).toEqual({
      url: new URL('https://app.example.com:8443/health?deep=1'),
      statuses: [{ from: 200, to: 200 }, { from: 204, to: 204 }],
      body: /"status":\s*"ok"/,
      intervalMs: 500,
      timeoutMs: 2000,
      successes: 5
    })
    expect(health?.body?.test('{"status": "ok"}')).toBe(true)
  })

  it('uses the health defaults', () => {
    expect(config({ 'health-url': 'http://127.0.0.1:8080/' }).health).toEqual({
      url: new URL('http://127.0.0.1:8080/'),
      statuses: [{ from: 200, to: 399 }],
      intervalMs: 2000,
      timeoutMs: 5000,
      successes: 3
    })
  })

  it('validates the same with dry-run', () => {
    expect(config({ 'dry-run': 'true' }).dryRun).toBe(true)
    expect(() => config({ 'dry-run': 'true', 'batch-size': '0' })).toThrow(InputError)
  })
})

describe('pre-stop', () => {
  it('runs text with /bin/sh -c, takes a JSON array as the command itself, and is off when empty', () => {
    expect(config({ 'pre-stop': 'rm /tmp/healthy && sleep 1' }).preStop).toEqual(['/bin/sh', '-c', 'rm /tmp/healthy && sleep 1'])
    expect(config({ 'pre-stop': '["/usr/bin/node", "/app/ctl.js", "drain"]' }).preStop).toEqual(['/usr/bin/node', '/app/ctl.js', 'drain'])
    expect(config({}).preStop).toBeUndefined()
  })

  it.each(['[]', '["node", 3]', '["node", ""]', '[node drain]'])('refuses %s', (value) => {
    expect(() => config({ 'pre-stop': value })).toThrow(
      `Invalid input 'pre-stop': ${JSON.stringify(value)}. Expected a shell command, or a JSON array of non-empty strings such as ["node", "/app/drain.js"].`
    )
  })
})
