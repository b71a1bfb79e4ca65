// Command-line parsing for zdd, pure: argv and the environment in, a command with the action's
// Inputs (or help, or one error message) out. Every action input is an option `--<input-name>`;
// a value not given on the command line comes from INPUT_<NAME>, then from INPUT_DEFAULTS.
import { INPUT_NAMES, inputEnvName, readInputs, type InputName, type Inputs } from '../config/inputs.js'
import { BOOLEAN_INPUTS, LIST_INPUTS } from './options.js'

export type Command = 'deploy' | 'plan'
export const COMMANDS: readonly Command[] = ['deploy', 'plan']

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'run'; command: Command; inputs: Inputs }
  | { kind: 'error'; message: string }

const HINT = "Run 'zdd --help' to see the commands and options."

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const given = new Map<InputName, string>()
  let command: Command | undefined
  const error = (message: string): ParsedArgs => ({ kind: 'error', message: `${message} ${HINT}` })

  // Asking for help wins over everything else on the line, mistakes included.
  if (argv.some((token) => token === '--help' || token === '-h')) return { kind: 'help' }
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (token.startsWith('-') && token !== '-') {
      const eq = token.indexOf('=')
      const flag = eq === -1 ? token : token.slice(0, eq)
      const inline = eq === -1 ? undefined : token.slice(eq + 1)
      const name = flag.startsWith('--') ? flag.slice(2) : undefined
      if (name !== undefined && isInput(name)) {
        let value: string
        if (inline !== undefined) value = inline
        else if (BOOLEAN_INPUTS.includes(name)) {
          // A bare flag means true; `--dry-run false` still reads the value that follows.
          const next = argv[i + 1]
          value = next === 'true' || next === 'false' ? argv[++i] : 'true'
        } else {
          const next = argv[i + 1]
          if (next === undefined || (next.startsWith('--') && next.length > 2)) return error(`Option '--${name}' needs a value.`)
          value = argv[++i]
        }
        const before = given.get(name)
        given.set(name, before !== undefined && LIST_INPUTS.includes(name) && before !== '' ? `${before}\n${value}` : value)
        continue
      }
      const negated = name?.startsWith('no-') ? name.slice(3) : undefined
      if (negated !== undefined && isInput(negated) && BOOLEAN_INPUTS.includes(negated)) {
        if (inline !== undefined) return error(`Option '${flag}' takes no value.`)
        given.set(negated, 'false')
        continue
      }
      return error(`Unknown option '${flag}'.`)
    }
    if (command === undefined) {
      if (token === 'help') return { kind: 'help' }
      if (!(COMMANDS as readonly string[]).includes(token)) return error(`Unknown command '${token}'. Commands: ${COMMANDS.join(', ')}.`)
      command = token as Command
      continue
    }
    return error(`Unexpected argument '${token}' (options are written --name value).`)
  }
  if (command === undefined) return error(`No command given: use 'zdd deploy' or 'zdd plan'.`)

  const inputs = readInputs((name) => (given.has(name as InputName) ? given.get(name as InputName) : env[inputEnvName(name)]) ?? '')
  if (command === 'plan') inputs['dry-run'] = 'true'
  return { kind: 'run', command, inputs }
}

function isInput(name: string): name is InputName {
  return (INPUT_NAMES as readonly string[]).includes(name)
}
