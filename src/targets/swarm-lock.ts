// One rollout of a service at a time. The lock is a Swarm config named after the service: creating a
// config whose name exists fails, so of two runs only one creates it. Its labels say who holds it and
// until when; the holder renews that every HEARTBEAT_MS, so a lock whose holder died goes stale within
// HOLD_MS and is taken over with a warning. Nothing is written on the service itself, where any change
// would release a held batch. A second run waits up to lock-timeout, then fails naming the holder.
import { createHash, randomUUID } from 'node:crypto'
import type Docker from 'dockerode'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { decideLock, HEARTBEAT_MS, HOLD_MS, parseLockLabel, type LockRecord } from '../rollout/lock-decision.js'
import type { DeployLock, LockOptions } from './platform.js'
import type { SwarmApi } from './swarm-api.js'

export const LOCK_OF_LABEL = 'zdd.lock-of'
export const LOCK_RECORD_LABEL = 'zdd.lock'
const POLL_MS = 2000

/** The lock's config name: readable when the service name fits, a digest of it otherwise. */
export function lockName(service: string): string {
  const name = `zdd-lock-${service}`
  return name.length <= 64 ? name : `zdd-lock-${createHash('sha256').update(service).digest('hex').slice(0, 32)}`
}

export class SwarmLock implements DeployLock {
  readonly token = randomUUID()
  private readonly name: string
  private heartbeat?: NodeJS.Timeout

  constructor(
    private readonly api: SwarmApi,
    private readonly service: string,
    private readonly clock: Clock,
    private readonly log: Log
  ) {
    this.name = lockName(service)
  }

  /** Takes the lock; resolves to true when it was taken over from a holder presumed dead. */
  async acquire(opts: LockOptions, signal?: AbortSignal): Promise<boolean> {
    const deadline = this.clock.now() + opts.timeoutMs
    let waitingFor = ''
    let tookOver = false
    for (;;) {
      // Swarm wants some data in a config: the holder, for whoever looks at it with docker config inspect.
      const takenAt = new Date().toISOString()
      if (await this.api.createConfig(this.name, this.labels(opts.owner, takenAt), `deploy lock of ${this.service}, held by ${opts.owner}\n`)) {
        this.startHeartbeat(opts.owner, takenAt)
        return tookOver
      }
      const existing = await this.api.findConfig(this.name)
      if (!existing) continue // let go between our create and our read: try again
      const decision = decideLock(parseLockLabel(existing.Spec?.Labels?.[LOCK_RECORD_LABEL]), this.token, this.clock.now(), opts.force)
      if (decision.action === 'mine') return tookOver
      if (decision.action === 'take-over' || decision.action === 'take') {
        this.log.warning(`Taking over the deploy lock of ${this.service}: ${decision.action === 'take' ? `Swarm config ${this.name} has no holder` : decision.why}`)
        await this.api.removeConfig(existing.ID)
        tookOver = true
        continue
      }
      if (this.clock.now() >= deadline || signal?.aborted) {
        throw new Error(
          `Service '${this.service}' is locked by ${decision.holder.owner} since ${decision.holder.at} (another rollout is running); ` +
            `waited ${Math.round(opts.timeoutMs / 1000)}s (lock-timeout). If that run is dead, set force-unlock: true, or remove the Swarm config ${this.name}`
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
      const existing = await this.api.findConfig(this.name)
      if (existing && parseLockLabel(existing.Spec?.Labels?.[LOCK_RECORD_LABEL])?.token === this.token) await this.api.removeConfig(existing.ID)
    } catch (error) {
      this.log.warning(`Could not release the deploy lock of ${this.service} (Swarm config ${this.name}): ${(error as Error).message}; it goes stale by itself`)
    }
  }

  /** Who holds the lock since `takenAt` (kept by every renewal), and until when it is held without one. */
  private labels(owner: string, takenAt: string): Record<string, string> {
    const record: LockRecord = { owner, token: this.token, at: takenAt, expires: new Date(Date.now() + HOLD_MS).toISOString() }
    return { [LOCK_OF_LABEL]: this.service, [LOCK_RECORD_LABEL]: JSON.stringify(record) }
  }

  private startHeartbeat(owner: string, takenAt: string): void {
    this.heartbeat = setInterval(() => {
      this.renew(owner, takenAt).catch((error: unknown) => this.log.debug(`renewing the deploy lock: ${(error as Error).message}`))
    }, HEARTBEAT_MS)
    // The lock must never keep the process alive on its own.
    this.heartbeat.unref()
  }

  private async renew(owner: string, takenAt: string): Promise<void> {
    const existing: Docker.ConfigInfo | undefined = await this.api.findConfig(this.name)
    if (!existing || parseLockLabel(existing.Spec?.Labels?.[LOCK_RECORD_LABEL])?.token !== this.token) return
    await this.api.relabelConfig(existing, this.labels(owner, takenAt))
  }
}
