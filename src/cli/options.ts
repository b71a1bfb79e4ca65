// The CLI's option table: one short help line per action input (action.yml is not there at run
// time), which inputs are booleans, and the --help text built from them and INPUT_DEFAULTS.
import { INPUT_DEFAULTS, INPUT_NAMES, inputEnvName, SECRET_INPUTS, type InputName } from '../config/inputs.js'

/** One line per input, in action.yml order; a unit test checks that every input has one. */
export const OPTION_HELP: Readonly<Record<InputName, string>> = {
  'docker-host': 'Docker engine: unix:///path, tcp://host[:port] or ssh://user@host[:port] (empty: $DOCKER_HOST, else the local socket)',
  'ssh-private-key': 'Private key (contents) for an ssh:// docker-host',
  'ssh-known-hosts': 'known_hosts lines for the ssh:// docker-host (ssh-keyscan -p PORT HOST); required with ssh://',
  'ssh-key-passphrase': 'Passphrase of an encrypted ssh-private-key',
  'ssh-insecure-skip-host-key-check': 'Connect over SSH without checking the host key (warns; not for production)',
  'tls-ca': 'CA certificate (PEM contents) for a tcp:// docker-host with TLS',
  'tls-cert': 'Client certificate (PEM contents) for TLS',
  'tls-key': 'Client key (PEM contents) for TLS',
  image: 'Image repository with :tag, or @sha256:digest for an existing image (no tag: GITHUB_SHA[:12])',
  tags: 'Extra tags to push, separated by commas (repeat the option to add more)',
  context: 'Build context folder; empty deploys an existing image',
  dockerfile: 'Dockerfile path, relative to the context',
  'build-args': 'Build argument KEY=VALUE (repeat the option for more)',
  push: 'Push the built image and its tags',
  'registry-username': 'User name for the image registry (with registry-password)',
  'registry-password': 'Password or token for the image registry',
  env: 'Container env change: KEY=VALUE sets, KEY= or -KEY removes (repeat the option for more); without image, a config-only release',
  labels: 'Container labels change, same syntax as env (repeat the option for more)',
  service: 'Swarm service, or the zdd.service label of plain containers; empty means build (and push) only',
  platform: 'auto (swarm when service is a Swarm service, else docker), swarm or docker',
  network: 'docker: user-defined network of the first containers (created with --subnet)',
  alias: 'docker: network alias the containers share (default: the service name)',
  replicas: 'docker: containers a first deploy starts',
  'env-file': 'docker: file of KEY=VALUE lines for the first containers (env is applied on top)',
  operation: 'deploy, rollback (to the release recorded on the service, or --image with a digest), promote or abort (a paused canary)',
  strategy: 'Rollout strategy: rolling, canary or blue-green',
  'batch-size': 'Replicas per batch: a count or a percentage such as 50%',
  drain: 'How long a replica out of routing keeps serving before it stops (docker: out of the alias; swarm: a canary after its pre-stop)',
  'pre-stop': 'Command run in each old replica before it stops, e.g. to fail its health check (docker: after its drain; swarm: once its replacement starts, and in a canary before its removal); shell text or a JSON array',
  'canary-steps': 'Canary traffic shares, such as 10%,50% (canary replicas beside the stable ones)',
  'preview-url': 'blue-green: HTTP(S) URL of the preview probed before the switch',
  'scale-down-delay': 'blue-green: how long the last wave of the switch is watched before the preview is removed',
  'health-url': 'HTTP(S) URL probed after each batch; empty means no HTTP gate',
  'health-status': 'Healthy status codes, such as 200-399 or 200,204',
  'health-body': 'Regular expression the response body must match',
  'health-interval': 'Time between probes, such as 500ms, 2s or 1m30s',
  'health-timeout': 'Timeout of one probe',
  'health-successes': 'Consecutive successful probes for a batch to pass',
  monitor: 'How long each batch must stay healthy (0 skips the wait)',
  deadline: 'Longest time one batch may take to become healthy',
  timeout: 'Longest time the whole run may take (pre-deploy and post-deploy not counted)',
  'pre-deploy': 'Command run once from the new release before any replica is replaced: a shell string or a JSON array such as ["./migrate","up"]',
  'pre-deploy-timeout': 'Longest time pre-deploy may run',
  'post-deploy': 'Command run once from the new release after the rollout succeeded (same forms as pre-deploy)',
  'post-deploy-timeout': 'Longest time post-deploy may run',
  'prometheus-url': 'Prometheus server whose HTTP API answers metrics-query',
  'metrics-query': 'PromQL query judged by success-condition ({{canary}} and {{stable}} are service names)',
  'metrics-url': 'Prometheus text endpoint scraped directly; success-condition measures it over the window',
  'success-condition': 'Condition a reading must meet, such as result < 0.01',
  'analysis-interval': 'Time between metric readings',
  'analysis-duration': 'How long each step is analysed',
  'failure-limit': 'Failed readings tolerated per step',
  'inconclusive-limit': 'Inconclusive readings tolerated per step',
  'no-data': 'What an empty or NaN reading counts as: fail, inconclusive or pass',
  compare: 'none, or baseline: judge the canary against the stable replicas in the same window',
  'baseline-tolerance': 'How far the canary may be above the stable: 20%, +0.01 or 20%+0.01',
  'auto-rollback': 'Revert to the previous release when a gate fails',
  'lock-timeout': 'How long to wait while another run holds the service\'s deploy lock',
  'force-unlock': 'Take the deploy lock even if another run holds it (when that run is dead)',
  'dry-run': 'Print the plan and change nothing',
  'github-token': 'Token for GitHub Deployments (with environment)',
  environment: 'GitHub environment of the Deployment, e.g. production',
  'environment-url': 'URL of the deployed environment, shown on the Deployment',
  'github-deployments': 'auto (when github-token and environment are set, not under act), true (also under act) or false'
}

/** Inputs that also work as bare flags: `--dry-run`, `--no-auto-rollback`. */
export const BOOLEAN_INPUTS: readonly InputName[] = ['ssh-insecure-skip-host-key-check', 'push', 'auto-rollback', 'force-unlock', 'dry-run']

/** Inputs whose repeated options are joined with new lines instead of the last one winning. */
export const LIST_INPUTS: readonly InputName[] = ['tags', 'build-args', 'env', 'labels']

export const EXIT_CODES = [
  [0, 'succeeded (deploy), planned (plan) or paused (a canary at a pause step)'],
  [1, 'failed (and left as it is, or an error such as an unreachable Docker engine)'],
  [2, 'rolled back to the previous release'],
  [3, 'bad input: unknown option, invalid value or missing service; nothing was changed'],
  [4, 'succeeded, but post-deploy failed (the release stays: it passed its gates)']
] as const

export function helpText(): string {
  const width = Math.max(...INPUT_NAMES.map((name) => optionLabel(name).length)) + 2
  const lines = [
    'zdd: build, push and roll out a Docker image to a Swarm service or plain containers, with health gates and automatic revert',
    '',
    'Usage:',
    '  zdd deploy [options]   build/push the image and roll it out',
    '  zdd plan [options]     print the plan and change nothing (deploy with --dry-run)',
    '  zdd --help             show this help',
    '',
    'Options (each is also read from INPUT_<NAME>, e.g. --batch-size from INPUT_BATCH-SIZE, then the default):'
  ]
  for (const name of INPUT_NAMES) {
    const fallback = INPUT_DEFAULTS[name] === '' ? '' : ` (default: ${INPUT_DEFAULTS[name]})`
    lines.push(`  ${optionLabel(name).padEnd(width)}${OPTION_HELP[name]}${fallback}`)
  }
  lines.push(
    '',
    `Secrets (${SECRET_INPUTS.map((n) => `--${n}`).join(', ')}) are better passed as ${SECRET_INPUTS.map(inputEnvName).join(', ')}:`,
    'command lines are visible to other users. Output masks them as ***.',
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`)
  )
  return lines.join('\n')
}

function optionLabel(name: InputName): string {
  return BOOLEAN_INPUTS.includes(name) ? `--[no-]${name} [true|false]` : `--${name} <value>`
}
