// Environment lines as the env-file input gives them: one KEY=VALUE per line, blank lines
// and # comments skipped, the value taken literally (no quotes processed, as `docker run --env-file`).
// Pure. Values can be secrets: errors name the line and its key, never the value.

export interface EnvLine {
  key: string
  value: string
  /** 1-based line number, for messages. */
  line: number
}

/** A line that is not KEY=VALUE; `shown` is safe to print (the key, never the value). */
export class EnvLineError extends Error {
  constructor(
    readonly line: number,
    readonly shown: string,
    readonly reason: string
  ) {
    super(`line ${line} (${shown}): ${reason}`)
    this.name = 'EnvLineError'
  }
}

export const ENV_LINES_FORM = 'lines of KEY=VALUE, where KEY is a letter or _ followed by letters, digits, _, . or - (blank lines and lines starting with # are skipped)'

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/

export function parseEnvLines(text: string): EnvLine[] {
  const lines: EnvLine[] = []
  const seen = new Set<string>()
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '')
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const eq = line.indexOf('=')
    // Without '=', the line holds no value: it can be shown whole. With one, only the key is shown.
    if (eq < 0) throw new EnvLineError(i + 1, trimmed, 'there is no =')
    const key = line.slice(0, eq).trim()
    if (!KEY.test(key)) throw new EnvLineError(i + 1, `${key}=…`, 'the key is not a letter or _ followed by letters, digits, _, . or -')
    if (seen.has(key)) throw new EnvLineError(i + 1, `${key}=…`, `${key} is given twice`)
    seen.add(key)
    lines.push({ key, value: line.slice(eq + 1), line: i + 1 })
  })
  return lines
}
