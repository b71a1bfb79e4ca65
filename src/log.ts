// The one logging seam. The action passes @actions/core, the CLI a terminal view, tests a recorder.

export interface Log {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  /** Runs fn inside a collapsible log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
  /** Masks a secret (and anything derived from it) in every later log line. */
  setSecret(secret: string): void
}

/** A Log that records lines; used by tests and as a base for quiet runs. */
export class MemoryLog implements Log {
  readonly lines: string[] = []
  readonly secrets: string[] = []
  info(message: string): void { this.lines.push(message) }
  warning(message: string): void { this.lines.push(`warning: ${message}`) }
  error(message: string): void { this.lines.push(`error: ${message}`) }
  debug(message: string): void { this.lines.push(`debug: ${message}`) }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`[group] ${title}`)
    try { return await fn() } finally { this.lines.push('[endgroup]') }
  }
  setSecret(secret: string): void { this.secrets.push(secret) }
}

// A secret's lines shorter than this are not masked on their own: "-----" or "}" would blank the log.
const MIN_SECRET_PART = 4

/** What to mask for one secret: the whole value, and each of its lines (masks match within a line). */
export function secretParts(secret: string): string[] {
  if (!secret) return []
  const lines = secret.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= MIN_SECRET_PART)
  return [...new Set([secret, ...lines])]
}
