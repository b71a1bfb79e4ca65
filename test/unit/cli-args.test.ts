// zdd's argument parsing as a table: options, INPUT_* fallback, defaults, bare booleans, errors.
// Also the terminal Log's masking and layout, since nothing else masks the CLI's output.
import { describe, expect, it } from '@jest/globals'
import { INPUT_DEFAULTS, INPUT_NAMES, type Inputs } from '../../src/config/inputs.js'
import { parseArgs, type ParsedArgs } from '../../src/cli/args.js'
import { helpText, OPTION_HELP } from '../../src/cli/options.js'
import { TerminalLog, useColor } from '../../src/cli/terminal-log.js'

const HINT = "Run 'zdd --help' to see the commands and options."

function inputsOf(parsed: ParsedArgs): Inputs {
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(parsed)}`)
  return parsed.inputs
}

describe('parseArgs', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, Partial<Inputs>]> = [
    ['options with separate values', ['deploy', '--image', 'r/app:v2', '--service', 'api', '--health-url', 'http://x/health'], {}, { image: 'r/app:v2', service: 'api', 'health-url': 'http://x/health' }],
    ['options with =', ['deploy', '--batch-size=50%', '--health-body=ok=yes'], {}, { 'batch-size': '50%', 'health-body': 'ok=yes' }],
    ['options before the command', ['--service', 'api', 'deploy'], {}, { service: 'api' }],
    ['env fallback (INPUT_<NAME>)', ['deploy'], { 'INPUT_BATCH-SIZE': '2', INPUT_IMAGE: 'r/app:v3' }, { 'batch-size': '2', image: 'r/app:v3' }],
    ['the command line wins over env', ['deploy', '--batch-size', '3'], { 'INPUT_BATCH-SIZE': '2' }, { 'batch-size': '3' }],
    ['defaults when neither', ['deploy'], {}, { ...INPUT_DEFAULTS }],
    ['an empty value takes the default', ['deploy', '--monitor', ''], { INPUT_MONITOR: '4s' }, { monitor: '10s' }],
    ['values are trimmed', ['deploy', '--service', ' api '], {}, { service: 'api' }],
    ['bare boolean', ['deploy', '--dry-run'], {}, { 'dry-run': 'true' }],
    ['bare boolean before another option', ['deploy', '--dry-run', '--service', 'api'], {}, { 'dry-run': 'true', service: 'api' }],
    ['boolean with a value', ['deploy', '--auto-rollback', 'false'], {}, { 'auto-rollback': 'false' }],
    ['boolean with =', ['deploy', '--push=false'], {}, { push: 'false' }],
    ['--no- boolean', ['deploy', '--no-auto-rollback', '--no-push'], { 'INPUT_AUTO-ROLLBACK': 'true' }, { 'auto-rollback': 'false', push: 'false' }],
    ['a bare boolean does not eat a command', ['--dry-run', 'deploy'], {}, { 'dry-run': 'true' }],
    ['list inputs add up when repeated', ['deploy', '--build-args', 'A=1', '--build-args', 'B=2', '--tags', 'x', '--tags', 'y'], {}, { 'build-args': 'A=1\nB=2', tags: 'x\ny' }],
    ['other inputs: the last one wins', ['deploy', '--service', 'a', '--service', 'b'], {}, { service: 'b' }],
    ['a value may start with a single dash', ['deploy', '--health-body', '-ok-'], {}, { 'health-body': '-ok-' }],
    ['plan forces dry-run', ['plan', '--dry-run', 'false'], { 'INPUT_DRY-RUN': 'false' }, { 'dry-run': 'true' }]
  ]
  it.each(cases)('%s', (_name, argv, env, expected) => {
    expect(inputsOf(parseArgs(argv, env))).toEqual({ ...INPUT_DEFAULTS, ...(_name.startsWith('plan') ? { 'dry-run': 'true' } : {}), ...expected })
  })

  it('reads every input from its option', () => {
    const argv = ['deploy', ...INPUT_NAMES.map((name) => `--${name}=v-${name}`)]
    const inputs = inputsOf(parseArgs(argv, {}))
    for (const name of INPUT_NAMES) expect(inputs[name]).toBe(`v-${name}`)
  })

  it('returns the command', () => {
    expect(parseArgs(['deploy'], {})).toMatchObject({ kind: 'run', command: 'deploy' })
    expect(parseArgs(['plan'], {})).toMatchObject({ kind: 'run', command: 'plan' })
  })

  it.each([[['--help']], [['-h']], [['deploy', '--help']], [['help']], [['deploy', '--foo', '--help']]])('help: %j', (argv) => {
    expect(parseArgs(argv, {})).toEqual({ kind: 'help' })
  })

  const errors: Array<[string[], string]> = [
    [['deploy', '--foo'], `Unknown option '--foo'. ${HINT}`],
    [['deploy', '--health-urll=http://x'], `Unknown option '--health-urll'. ${HINT}`],
    [['deploy', '-x'], `Unknown option '-x'. ${HINT}`],
    [['deploy', '--no-service'], `Unknown option '--no-service'. ${HINT}`],
    [['deploy', '--no-dry-run=true'], `Option '--no-dry-run' takes no value. ${HINT}`],
    [['deploy', '--image'], `Option '--image' needs a value. ${HINT}`],
    [['deploy', '--image', '--service', 'api'], `Option '--image' needs a value. ${HINT}`],
    [['deploi'], `Unknown command 'deploi'. Commands: deploy, plan. ${HINT}`],
    [['deploy', 'extra'], `Unexpected argument 'extra' (options are written --name value). ${HINT}`],
    [[], `No command given: use 'zdd deploy' or 'zdd plan'. ${HINT}`],
    [['--service', 'api'], `No command given: use 'zdd deploy' or 'zdd plan'. ${HINT}`]
  ]
  it.each(errors)('error: %j', (argv, message) => {
    expect(parseArgs(argv, {})).toEqual({ kind: 'error', message })
  })
})

describe('help', () => {
  it('has a help line for every input and lists each option with its default and the exit codes', () => {
    expect(Object.keys(OPTION_HELP)).toEqual([...INPUT_NAMES])
    const text = helpText()
    for (const name of INPUT_NAMES) {
      const line = text.split('\n').find((l) => l.startsWith(`  --${name} `) || l.startsWith(`  --[no-]${name} `))
      expect(line).toBeDefined()
      if (INPUT_DEFAULTS[name]) expect(line).toContain(`(default: ${INPUT_DEFAULTS[name]})`)
    }
    expect(text).toContain('zdd deploy')
    expect(text).toContain('zdd plan')
    for (const code of ['0', '1', '2', '3']) expect(text).toMatch(new RegExp(`^  ${code}  `, 'm'))
  })
})

describe('TerminalLog', () => {
  const make = (color = false): { log: TerminalLog; out: () => string } => {
    let text = ''
    return { log: new TerminalLog({ write: (t) => (text += t), color }), out: () => text }
  }

  it('prints groups as a heading and an indented body, nested too', async () => {
    const { log, out } = make()
    log.info('start')
    await log.group('Batch 1/2', async () => {
      log.info('one\ntwo')
      await log.group('inner', async () => log.warning('careful'))
    })
    log.error('end')
    expect(out()).toBe('start\n▸ Batch 1/2\n  one\n  two\n  ▸ inner\n    warning: careful\nerror: end\n')
  })

  it('leaves the indentation right when a group throws', async () => {
    const { log, out } = make()
    await expect(log.group('g', async () => { throw new Error('x') })).rejects.toThrow('x')
    log.info('after')
    expect(out()).toBe('▸ g\nafter\n')
  })

  it('masks secrets in every later line: whole, line by line, longest first, and never the empty string', () => {
    const { log, out } = make()
    log.info('before hunter22')
    log.setSecret('')
    log.setSecret('hunter22')
    log.setSecret('-----BEGIN KEY-----\nAbCdEfGh\n-----END KEY-----')
    log.setSecret('hunter22-and-more')
    log.info('pw=hunter22 and hunter22-and-more')
    log.warning('line AbCdEfGh alone')
    log.info('full -----BEGIN KEY-----\nAbCdEfGh\n-----END KEY----- done')
    expect(out()).toBe(
      'before hunter22\n' +
      'pw=*** and ***\n' +
      'warning: line *** alone\n' +
      'full *** done\n'
    )
  })

  it('masks across a multi-line message before splitting it', () => {
    const { log, out } = make()
    log.setSecret('line-one\nline-two')
    log.info('a line-one\nline-two b')
    expect(out()).toBe('a *** b\n')
  })

  it('colours only when asked, and useColor needs a TTY and no NO_COLOR', () => {
    const plain = make(false)
    plain.log.warning('w')
    expect(plain.out()).toBe('warning: w\n')
    const coloured = make(true)
    coloured.log.warning('w')
    expect(coloured.out()).toBe('\x1b[33mwarning: w\x1b[39m\n')
    expect(useColor(true, {})).toBe(true)
    expect(useColor(false, {})).toBe(false)
    expect(useColor(undefined, {})).toBe(false)
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false)
  })
})
