// One rollout of a service at a time on a plain Docker host. The lock is a container that is never
// started, named zdd-lock-<service>: creating a container whose name exists fails, so of two runs only
// one creates it. Its labels say who holds it; since labels of a container cannot change, the holder
// renews its expiry by writing a small file into the container every HEARTBEAT_MS, and a lock whose
// file (or label) expired belongs to a run that died and is taken over with a warning. The rules are
// the Swarm lock's (rollout/lock-decision.ts).
import { createHash, randomUUID } from 'node:crypto'
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { decideLock, HEARTBEAT_MS, HOLD_MS, parseLockLabel, type LockRecord } from '../rollout/lock-decision.js'
import type { DockerApi } from './docker-api.js'
import type { DeployLock, LockOptions } from './platform.js'
import { firstFileOf, tarOneFile } from './tiny-tar.js'

export const LOCK_OF_LABEL = 'zdd.lock-of'
export const LOCK_RECORD_LABEL = 'zdd.lock'
const RENEWED_FILE = 'zdd-lock.json'
const POLL_MS = 2000

/** The lock container's name: readable when the service name fits, a digest of it otherwise. */
export function lockContainerName(service: string): string {
  const name = `zdd-lock-${service}`
  return name.length <= 64 ? name : `zdd-lock-${createHash('sha256').update(service).digest('hex').slice(0, 32)}`
}

export class DockerLock implements DeployLock {
  readonly token = randomUUID()
  private readonly name: string
  private heartbeat?: NodeJS.Timeout
  private takenAt?: string

  constructor(
    private readonly api: DockerApi,
    private readonly service: string,
    private readonly clock: Clock,
    private readonly log: Log,
    /** An image on the host to create the (never started) lock container from. */
    private readonly anchorImage: () => Promise<string>
  ) {
    this.name = lockContainerName(service)
  }

  async acquire(opts: LockOptions, signal?: AbortSignal): Promise<boolean> {
    const deadline = this.clock.now() + opts.timeoutMs
    const image = await this.anchorImage()
    let waitingFor = ''
    let tookOver = false
    for (;;) {
      const record = this.record(opts.owner)
      const created = await this.api.create({
        name: this.name,
        Image: image,
        Labels: { [LOCK_OF_LABEL]: this.service, [LOCK_RECORD_LABEL]: JSON.stringify(record) },
        HostConfig: { NetworkMode: 'none' }
      })
      if (created) {
        this.startHeartbeat(opts.owner)
        return tookOver
      }
      const existing = await readLock(this.api, this.name)
      if (!existing) continue // let go between our create and our read: try again
      const decision = decideLock(existing.record, this.token, this.clock.now(), opts.force)
      if (decision.action === 'mine') return tookOver
      if (decision.action === 'take-over' || decision.action === 'take') {
        this.log.warning(`Taking over the deploy lock of ${this.service}: ${decision.action === 'take' ? `container ${this.name} has no holder` : decision.why}`)
        await this.api.remove(existing.id)
        tookOver = true
        continue
      }
      if (this.clock.now() >= deadline || signal?.aborted) {
        throw new Error(
          `Service '${this.service}' is locked by ${decision.holder.owner} since ${decision.holder.at} (another rollout is running); ` +
            `waited ${Math.round(opts.timeoutMs / 1000)}s (lock-timeout). If that run is dead, set force-unlock: true, or remove the container ${this.name}`
        )
      }
      if (waitingFor !== decision.holder.token) {
        this.log.info(`Waiting for ${decision.holder.owner} to finish its rollout of ${this.service} (locked since ${decision.holder.at})`)
        waitingFor = decision.holder.token
      }
      await this.clock.sleep(POLL_MS, signal)
    }
  }

  async release(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = undefined
    try {
      const existing = await readLock(this.api, this.name)
      if (existing?.record?.token === this.token) await this.api.remove(existing.id)
    } catch (error) {
      this.log.warning(`Could not release the deploy lock of ${this.service} (container ${this.name}): ${(error as Error).message}; it goes stale by itself`)
    }
  }

  private record(owner: string): LockRecord {
    const now = Date.now()
    this.takenAt ??= new Date(now).toISOString()
    return { owner, token: this.token, at: this.takenAt, expires: new Date(now + HOLD_MS).toISOString() }
  }

  private startHeartbeat(owner: string): void {
    this.heartbeat = setInterval(() => {
      this.renew(owner).catch((error: unknown) => this.log.debug(`renewing the deploy lock: ${(error as Error).message}`))
    }, HEARTBEAT_MS)
    // The lock must never keep the process alive on its own.
    this.heartbeat.unref()
  }

  private async renew(owner: string): Promise<void> {
    const existing = await readLock(this.api, this.name)
    if (existing?.record?.token !== this.token) return
    await this.api.putArchive(existing.id, tarOneFile(RENEWED_FILE, JSON.stringify(this.record(owner)), Date.now() / 1000))
  }
}

/** The lock container and its holder: the renewed record when its file has one of the same holder, else its label's. */
export async function readLock(api: DockerApi, name: string): Promise<{ id: string; record: LockRecord | undefined } | undefined> {
  const info = await api.inspect(name)
  if (!info) return undefined
  const labelled = parseLockLabel(info.Config.Labels?.[LOCK_RECORD_LABEL])
  const tar = await api.getArchive(info.Id, `/${RENEWED_FILE}`).catch(() => undefined)
  const text = tar ? firstFileOf(tar) : undefined
  const renewed = text ? parseLockLabel(text) : undefined
  return { id: info.Id, record: renewed && labelled && renewed.token === labelled.token ? renewed : labelled }
}
