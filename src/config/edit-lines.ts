// The env and labels inputs: one edit per line, `KEY=VALUE` sets, `KEY=` or `-KEY` removes. Pure.
// A bad line is named by its number only: a value, or a line of a pasted multi-line secret, is never
// printed in an error.
import { InputError } from './input-error.js'
import type { ConfigEdit } from './types.js'

export type EditInput = 'env' | 'labels'

const KEY: Record<EditInput, RegExp> = {
  env: /^[A-Za-z_][A-Za-z0-9_.]*$/,
  labels: /^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$/
}

const KEY_FORM: Record<EditInput, string> = {
  env: 'KEY is a letter or _ followed by letters, digits, _ or .',
  labels: 'KEY is letters, digits, ., _, - or /, starting and ending with a letter or digit'
}

// Labels of these prefixes are ours (the release identity, bookkeeping) or Docker's.
const RESERVED_LABEL = /^(zdd\.|com\.docker\.)/

export function editForm(input: EditInput): string {
  return `KEY=VALUE, KEY= or -KEY on each line (the last two remove KEY), where ${KEY_FORM[input]}`
}

/** The edits of one input, in order; blank lines and lines starting with # are skipped. */
export function parseEditLines(input: EditInput, text: string): ConfigEdit[] {
  const edits: ConfigEdit[] = []
  const seen = new Map<string, number>()
  text.split('\n').forEach((raw, index) => {
    const number = index + 1
    const line = raw.replace(/\r$/, '').trimStart()
    if (line.trim() === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    let edit: ConfigEdit
    if (line.startsWith('-') && eq < 0) edit = { key: line.slice(1).trimEnd() }
    else if (eq < 0) throw new InputError(input, line, editForm(input), `line ${number}`)
    else {
      const value = line.slice(eq + 1)
      edit = value === '' ? { key: line.slice(0, eq).trimEnd() } : { key: line.slice(0, eq).trimEnd(), value }
    }
    const shown = `${JSON.stringify(edit.key)} (line ${number})`
    if (!KEY[input].test(edit.key)) throw new InputError(input, edit.key, editForm(input), shown)
    if (input === 'labels' && RESERVED_LABEL.test(edit.key)) {
      throw new InputError(input, edit.key, 'a label key that does not start with zdd. or com.docker. (reserved for zero-downtime-deploy and Docker)', shown)
    }
    const first = seen.get(edit.key)
    if (first !== undefined) throw new InputError(input, edit.key, `each KEY only once (${edit.key} is already on line ${first})`, shown)
    seen.set(edit.key, number)
    edits.push(edit)
  })
  return edits
}

/** How a whole env/labels value is shown in an error: its size only, since it may hold secrets. */
export function shownLines(text: string): string {
  const count = text.split('\n').filter((line) => line.trim() !== '').length
  return `${count} line${count === 1 ? '' : 's'}`
}
