import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { load } from 'js-yaml'
import { INPUT_DEFAULTS, INPUT_NAMES, inputEnvName, inputsFromEnv, readInputs } from '../../src/config/inputs.js'

/**
 * Reads each input's `default:` from action.yml without a YAML library: input names are the
 * two-space-indented keys under `inputs:`, their defaults the four-space-indented `default:` lines.
 * An input without a `default:` line has the default ''.
 */
function actionYmlDefaults(text: string): Record<string, string> {
  const defaults: Record<string, string> = {}
  let inInputs = false
  let current: string | undefined
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      inInputs = /^inputs:\s*$/.test(line)
      current = undefined
      continue
    }
    if (!inInputs) continue
    const name = /^ {2}([\w-]+):\s*$/.exec(line)?.[1]
    if (name !== undefined) {
      current = name
      defaults[name] = ''
      continue
    }
    const value = /^ {4}default:\s*(.*?)\s*$/.exec(line)?.[1]
    if (value !== undefined && current !== undefined) defaults[current] = unquote(value)
  }
  return defaults
}

function unquote(value: string): string {
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

describe('action.yml', () => {
  const text = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')
  const defaults = actionYmlDefaults(text)

  it('declares exactly the inputs the code reads, in the same order', () => {
    expect(Object.keys(defaults)).toEqual([...INPUT_NAMES])
  })

  it('has the same defaults as INPUT_DEFAULTS', () => {
    expect(defaults).toEqual({ ...INPUT_DEFAULTS })
  })

  it('gives secret inputs no default', () => {
    for (const name of ['ssh-private-key', 'tls-key', 'registry-password']) {
      const block = new RegExp(`^ {2}${name}:\\s*\\n((?: {4}.*\\n)*)`, 'm').exec(text)?.[1]
      expect(block).toBeDefined()
      expect(block).not.toMatch(/default:/)
    }
  })

  it('runs dist/index.js on node24 and declares the outputs', () => {
    expect(text).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/index\.js$/m)
    for (const output of ['image', 'digest', 'previous-image', 'result', 'report', 'pre-deploy', 'post-deploy']) {
      expect(text).toMatch(new RegExp(`^outputs:[\\s\\S]*^ {2}${output}:\\n {4}description: \\S`, 'm'))
    }
  })
})

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

  it('lists every input with its default in the inputs table', () => {
    const rows = [...readme.matchAll(/^\| `([\w-]+)` \| (?:`([^`]*)`)? \|/gm)].map((m) => [m[1], m[2] ?? ''])
    const inputs = rows.filter(([name]) => (INPUT_NAMES as readonly string[]).includes(name)).slice(0, INPUT_NAMES.length)
    expect(inputs).toEqual(INPUT_NAMES.map((name) => [name, INPUT_DEFAULTS[name]]))
  })

  it('gives the action only real inputs, and reads only real outputs, in its YAML examples', () => {
    const outputs = Object.keys((load(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { outputs: object }).outputs)
    const steps: Array<{ uses?: string; with?: Record<string, unknown> }> = []
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect)
      else if (node && typeof node === 'object') {
        const step = node as { uses?: unknown; with?: Record<string, unknown> }
        if (typeof step.uses === 'string' && /^your-org\/zero-downtime-deploy@/.test(step.uses)) steps.push(step as { uses: string })
        Object.values(node).forEach(collect)
      }
    }
    for (const block of readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) collect(load(block[1]))
    expect(steps.length).toBeGreaterThanOrEqual(5)
    for (const step of steps) expect(Object.keys(step.with ?? {}).filter((name) => !(INPUT_NAMES as readonly string[]).includes(name))).toEqual([])
    const read = [...readme.matchAll(/steps\.\w+\.outputs\.([\w-]+)/g)].map((m) => m[1])
    expect(read.length).toBeGreaterThan(0)
    expect(read.filter((name) => !outputs.includes(name))).toEqual([])
  })
})

describe('inputsFromEnv', () => {
  it('names variables the way @actions/core does', () => {
    expect(inputEnvName('batch-size')).toBe('INPUT_BATCH-SIZE')
    expect(inputEnvName('image')).toBe('INPUT_IMAGE')
    expect(inputEnvName('some name')).toBe('INPUT_SOME_NAME')
  })

  it('applies the defaults when nothing is set', () => {
    expect(inputsFromEnv({})).toEqual(INPUT_DEFAULTS)
  })

  it('reads INPUT_* variables, trimmed, and treats empty as unset', () => {
    const inputs = inputsFromEnv({
      'INPUT_BATCH-SIZE': ' 50% ',
      INPUT_IMAGE: 'app:v1',
      INPUT_STRATEGY: '',
      'INPUT_BUILD-ARGS': 'A=1\nB=2\n',
      'INPUT_DRY-RUN': 'true',
      'batch-size': '7'
    })
    expect(inputs['batch-size']).toBe('50%')
    expect(inputs.image).toBe('app:v1')
    expect(inputs.strategy).toBe('rolling')
    expect(inputs['build-args']).toBe('A=1\nB=2')
    expect(inputs['dry-run']).toBe('true')
    expect(inputs.monitor).toBe('10s')
  })
})

describe('readInputs', () => {
  it('asks for every input by its action.yml name', () => {
    const asked: string[] = []
    readInputs((name) => {
      asked.push(name)
      return ''
    })
    expect(asked).toEqual([...INPUT_NAMES])
  })

  it('keeps given values and defaults the rest', () => {
    const inputs = readInputs((name) => (name === 'service' ? 'web' : ''))
    expect(inputs).toEqual({ ...INPUT_DEFAULTS, service: 'web' })
  })
})
