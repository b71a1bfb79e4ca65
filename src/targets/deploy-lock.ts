// The deploy lock's protocol, the same on every platform: create the lock object under a fixed name (of
// two runs only one can), else read who holds it and, by the rules of rollout/lock-decision.ts, wait,
// take it over from a holder presumed dead, or fail after lock-timeout naming the holder. The holder
// renews its expiry every HEARTBEAT_MS. Where the lock lives is the platform's: a Swarm config
// (swarm-lock.ts) or a never-started container (docker-lock.ts).
import { createHash, randomUUID } from 'node:crypto'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { decideLock, HEARTBEAT_MS, HOLD_MS, type LockRecord } from '../rollout/lock-decision.js'
import type { DeployLock, LockOptions } from './platform.js'

export const LOCK_OF_LABEL = 'zdd.lock-of'
export const LOCK_RECORD_LABEL = 'zdd.lock'
const POLL_MS = 2000

/** The lock's name: readable when the service name fits, a digest of it otherwise. */
export function lockName(service: string): string {
  const name = `zdd-lock-${service}`
  return name.length <= 64 ? name : `zdd-lock-${createHash('sha256').update(service).digest('hex').slice(0, 32)}`
}

/** The lock object as found: its platform ID and the holder it records. */
export interface HeldLock {
  id: string
  record: LockRecord | undefined
}

export abstract class StoreLock implements DeployLock {
  readonly token = randomUUID()
  protected readonly name: string
  private heartbeat?: NodeJS.Timeout

  constructor(
    protected readonly service: string,
    private readonly clock: Clock,
    protected readonly log: Log
  ) {
    this.name = lockName(service)
  }

  /** What the lock is, for people: e.g. `Swarm config zdd-lock-api`. */
  protected abstract get what(): string
  /** Creates the lock object holding `record`; false when one of that name exists. */
  protected abstract create(record: LockRecord): Promise<boolean>
  protected abstract read(): Promise<HeldLock | undefined>
  protected abstract remove(id: string): Promise<void>
  /** Writes the renewed `record` into the lock object. */
  protected abstract renew(id: string, record: LockRecord): Promise<void>

  /** Takes the lock; resolves to true when it was taken over from a holder presumed dead. */
  async acquire(opts: LockOptions, signal?: AbortSignal): Promise<boolean> {
    const deadline = this.clock.now() + opts.timeoutMs
    let waitingFor = ''
    let tookOver = false
    for (;;) {
      // The time it was taken stays the same through every renewal.
      const takenAt = new Date().toISOString()
      if (await this.create(this.record(opts.owner, takenAt))) {
        this.startHeartbeat(opts.owner, takenAt)
        return tookOver
      }
      const existing = await this.read()
      if (!existing) continue // let go between our create and our read: try again
      const decision = decideLock(existing.record, this.token, this.clock.now(), opts.force)
      if (decision.action === 'mine') return tookOver
      if (decision.action === 'take-over' || decision.action === 'take') {
        this.log.warning(`Taking over the deploy lock of ${this.service}: ${decision.action === 'take' ? `${this.what} has no holder` : decision.why}`)
        await this.remove(existing.id)
        tookOver = true
        continue
      }
      if (this.clock.now() >= deadline || signal?.aborted) {
        throw new Error(
          `Service '${this.service}' is locked by ${decision.holder.owner} since ${decision.holder.at} (another rollout is running); ` +
            `waited ${Math.round(opts.timeoutMs / 1000)}s (lock-timeout). If that run is dead, set force-unlock: true, or remove the ${this.what}`
        )
      }
      if (waitingFor !== decision.holder.token) {
        this.log.info(`Waiting for ${decision.holder.owner} to finish its rollout of ${this.service} (locked since ${decision.holder.at})`)
        waitingFor = decision.holder.token
      }
      await this.clock.sleep(POLL_MS, signal)
    }
  }

  /** Lets go of the lock if it is still ours. Never throws: a lock left behind goes stale by itself. */
  async release(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = undefined
    try {
      const existing = await this.read()
      if (existing?.record?.token === this.token) await this.remove(existing.id)
    } catch (error) {
      this.log.warning(`Could not release the deploy lock of ${this.service} (${this.what}): ${(error as Error).message}; it goes stale by itself`)
    }
  }

  /** Who holds the lock since `takenAt`, and until when it is held without a renewal. */
  protected record(owner: string, takenAt: string): LockRecord {
    return { owner, token: this.token, at: takenAt, expires: new Date(Date.now() + HOLD_MS).toISOString() }
  }

  private startHeartbeat(owner: string, takenAt: string): void {
    this.heartbeat = setInterval(() => {
      this.renewIfMine(owner, takenAt).catch((error: unknown) => this.log.debug(`renewing the deploy lock: ${(error as Error).message}`))
    }, HEARTBEAT_MS)
    // The lock must never keep the process alive on its own.
    this.heartbeat.unref()
  }

  private async renewIfMine(owner: string, takenAt: string): Promise<void> {
    const existing = await this.read()
    if (existing?.record?.token !== this.token) return
    await this.renew(existing.id, this.record(owner, takenAt))
  }
}
