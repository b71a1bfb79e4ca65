// A release's env and labels: applying the edits of the env/labels inputs to what the container has,
// the diff between two configs (for the log, report and summary, secret values masked), and the edits
// that turn one config into another (promote of a paused canary, the config recorded for rollback). Pure.
import type { ConfigChange, ConfigEdit } from '../config/types.js'
import { RELEASE_LABEL } from './release-ref.js'

/** A container's env (Docker's `KEY=VALUE` list) and its labels. */
export interface ContainerConfig {
  env: string[]
  labels: Record<string, string>
}

export interface KeyDiff {
  added: Array<{ key: string; value: string }>
  changed: Array<{ key: string; from: string; to: string }>
  removed: Array<{ key: string; value: string }>
}

export interface ConfigDiff {
  env: KeyDiff
  labels: KeyDiff
}

/** Values of keys that look like secrets are masked in the report and summary, and in the log. */
const SECRET_KEY = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE/i
export const MASK = '***'

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

// Shorter values are not masked in logs: masking "1" or "on" everywhere would blank the log.
const MIN_MASKED = 4

/** The values of secret-looking keys in a Docker env list, for log.setSecret. */
export function secretEnvValues(env: readonly string[]): string[] {
  return [...envMap(env)].filter(([key, value]) => value.length >= MIN_MASKED && isSecretKey(key)).map(([, value]) => value)
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=')
  return eq < 0 ? entry : entry.slice(0, eq)
}

function envMap(env: readonly string[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const entry of env) {
    const eq = entry.indexOf('=')
    map.set(envKey(entry), eq < 0 ? '' : entry.slice(eq + 1))
  }
  return map
}

/** The env after the edits: a set key keeps its place (or is appended), a removed one goes. */
export function applyEnvEdits(env: readonly string[] | undefined, edits: readonly ConfigEdit[]): string[] {
  const out = [...(env ?? [])]
  for (const edit of edits) {
    const at = out.findIndex((entry) => envKey(entry) === edit.key)
    if (edit.value === undefined) {
      if (at >= 0) out.splice(at, 1)
    } else if (at >= 0) out[at] = `${edit.key}=${edit.value}`
    else out.push(`${edit.key}=${edit.value}`)
  }
  return out
}

export function applyLabelEdits(labels: Readonly<Record<string, string>> | undefined, edits: readonly ConfigEdit[]): Record<string, string> {
  const out = { ...labels }
  for (const edit of edits) {
    if (edit.value === undefined) delete out[edit.key]
    else out[edit.key] = edit.value
  }
  return out
}

export function applyChange(config: ContainerConfig, change: ConfigChange): ContainerConfig {
  return { env: applyEnvEdits(config.env, change.env), labels: applyLabelEdits(config.labels, change.labels) }
}

function diffMaps(before: Map<string, string>, after: Map<string, string>): KeyDiff {
  const diff: KeyDiff = { added: [], changed: [], removed: [] }
  for (const [key, to] of after) {
    const from = before.get(key)
    if (from === undefined) diff.added.push({ key, value: to })
    else if (from !== to) diff.changed.push({ key, from, to })
  }
  for (const [key, value] of before) if (!after.has(key)) diff.removed.push({ key, value })
  return diff
}

function labelMap(labels: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(labels).filter(([key]) => key !== RELEASE_LABEL))
}

/** What changes from `before` to `after`; our own release label is not part of it. */
export function diffConfig(before: ContainerConfig, after: ContainerConfig): ConfigDiff {
  return { env: diffMaps(envMap(before.env), envMap(after.env)), labels: diffMaps(labelMap(before.labels), labelMap(after.labels)) }
}

export function isEmptyDiff(diff: ConfigDiff): boolean {
  return [diff.env, diff.labels].every((d) => !d.added.length && !d.changed.length && !d.removed.length)
}

/** The edits that turn `before` into `after` (used to carry a canary's config to the service, and back). */
export function changeBetween(before: ContainerConfig, after: ContainerConfig): ConfigChange {
  const diff = diffConfig(before, after)
  const edits = (d: KeyDiff): ConfigEdit[] => [
    ...d.added.map(({ key, value }) => ({ key, value })),
    ...d.changed.map(({ key, to }) => ({ key, value: to })),
    ...d.removed.map(({ key }) => ({ key }))
  ]
  return { env: edits(diff.env), labels: edits(diff.labels) }
}

/** The diff with every value of a secret-looking key replaced by ***. */
export function maskDiff(diff: ConfigDiff): ConfigDiff {
  const mask = (key: string, value: string): string => (isSecretKey(key) ? MASK : value)
  const one = (d: KeyDiff): KeyDiff => ({
    added: d.added.map(({ key, value }) => ({ key, value: mask(key, value) })),
    changed: d.changed.map(({ key, from, to }) => ({ key, from: mask(key, from), to: mask(key, to) })),
    removed: d.removed.map(({ key, value }) => ({ key, value: mask(key, value) }))
  })
  return { env: one(diff.env), labels: one(diff.labels) }
}

/** The values the env/labels inputs set for secret-looking keys, for log.setSecret. */
export function secretEditValues(change: ConfigChange | undefined): string[] {
  return [...(change?.env ?? []), ...(change?.labels ?? [])].flatMap((e) => (e.value !== undefined && e.value.length >= MIN_MASKED && isSecretKey(e.key) ? [e.value] : []))
}

/** The values a log must mask: those of secret-looking keys, before and after. */
export function secretValues(diff: ConfigDiff): string[] {
  const values: string[] = []
  for (const d of [diff.env, diff.labels]) {
    for (const { key, value } of [...d.added, ...d.removed]) if (isSecretKey(key)) values.push(value)
    for (const { key, from, to } of d.changed) if (isSecretKey(key)) values.push(from, to)
  }
  return values.filter((v) => v.length >= MIN_MASKED)
}

/** One line per changed key, values masked: `env + FEATURE_X=on`, `env ~ LEVEL: info → debug`, `env - OLD`. */
export function describeDiff(diff: ConfigDiff): string[] {
  const masked = maskDiff(diff)
  const lines: string[] = []
  for (const kind of ['env', 'labels'] as const) {
    const d = masked[kind]
    for (const { key, value } of d.added) lines.push(`${kind} + ${key}=${value}`)
    for (const { key, from, to } of d.changed) lines.push(`${kind} ~ ${key}: ${from} → ${to}`)
    for (const { key } of d.removed) lines.push(`${kind} - ${key}`)
  }
  return lines
}
