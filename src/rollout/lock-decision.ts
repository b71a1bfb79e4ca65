// The deploy lock's rules, pure: who may roll a service out now. The lock itself is an object only one
// run can create (a Swarm config, targets/swarm-lock.ts; a named container, targets/docker-lock.ts).

// A live holder renews its lock this often; without renewal it goes stale after HOLD_MS.
export const HEARTBEAT_MS = 15_000
export const HOLD_MS = 90_000

export interface LockRecord {
  /** Who holds it, for people: the workflow run and actor, or user@host for the CLI. */
  owner: string
  /** A random id of the holding run, so that a run recognises its own lock. */
  token: string
  /** When it was taken (ISO 8601). */
  at: string
  /** After this (ISO 8601) the lock is stale: its holder is presumed dead and it may be taken over. */
  expires: string
}

export type LockDecision =
  | { action: 'take' }
  | { action: 'mine' }
  | { action: 'take-over'; why: string }
  | { action: 'wait'; holder: LockRecord }

export function decideLock(existing: LockRecord | undefined, token: string, now: number, force: boolean): LockDecision {
  if (!existing) return { action: 'take' }
  if (existing.token === token) return { action: 'mine' }
  if (force) return { action: 'take-over', why: `force-unlock is set; it was held by ${existing.owner} since ${existing.at}` }
  const expires = Date.parse(existing.expires)
  if (!Number.isFinite(expires)) return { action: 'take-over', why: `the lock label is unreadable (${JSON.stringify(existing).slice(0, 80)})` }
  if (now >= expires) return { action: 'take-over', why: `it was held by ${existing.owner} since ${existing.at} and expired at ${existing.expires}` }
  return { action: 'wait', holder: existing }
}

/** The label's value, or undefined when there is none; anything unreadable becomes an expired record. */
export function parseLockLabel(value: string | undefined): LockRecord | undefined {
  if (value === undefined || value === '') return undefined
  try {
    const record = JSON.parse(value) as Partial<LockRecord>
    if (typeof record.owner === 'string' && typeof record.token === 'string' && typeof record.at === 'string' && typeof record.expires === 'string') {
      return record as LockRecord
    }
  } catch {
    // fall through: an unreadable lock must not block every deploy forever
  }
  return { owner: 'unknown', token: '', at: 'unknown', expires: 'invalid' }
}

/** Who this run is, as the lock shows it. */
export function lockOwner(env: NodeJS.ProcessEnv, fallback: string): string {
  if (env.GITHUB_RUN_ID) {
    const run = `${env.GITHUB_REPOSITORY ?? 'a repository'} run ${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `.${env.GITHUB_RUN_ATTEMPT}` : ''}`
    return env.GITHUB_ACTOR ? `${run} by ${env.GITHUB_ACTOR}` : run
  }
  return fallback
}
