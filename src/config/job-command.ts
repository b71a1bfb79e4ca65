// pre-deploy / post-deploy commands: a shell string, run with /bin/sh -c, or a JSON exec array as in a
// Dockerfile (["./migrate", "up"]), run as is. Either replaces the image's ENTRYPOINT and CMD. Pure.
import { InputError } from './input-error.js'
import type { JobCommand } from './types.js'

export const JOB_COMMAND_FORM = 'a shell command (run with /bin/sh -c) or a JSON array of strings such as ["./migrate", "up"]'

export function parseJobCommand(input: string, text: string): JobCommand | undefined {
  const value = text.trim()
  if (value === '') return undefined
  if (!value.startsWith('[')) return { kind: 'shell', script: value }
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch (error) {
    throw new InputError(input, value, `${JOB_COMMAND_FORM} (the array is not valid JSON: ${(error as Error).message})`)
  }
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new InputError(input, value, `${JOB_COMMAND_FORM}, every element a string`)
  }
  if (parsed.length === 0 || parsed[0].trim() === '') {
    throw new InputError(input, value, 'a JSON array that starts with the program to run, such as ["./migrate", "up"]')
  }
  return { kind: 'exec', argv: parsed }
}

/** The argv the container runs. */
export function jobArgv(command: JobCommand): string[] {
  return command.kind === 'shell' ? ['/bin/sh', '-c', command.script] : [...command.argv]
}

/** The command as a person reads it in the log and report. */
export function describeJobCommand(command: JobCommand): string {
  return command.kind === 'shell' ? command.script : JSON.stringify(command.argv)
}
