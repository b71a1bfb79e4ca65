// The deploy lock on Swarm (protocol: deploy-lock.ts): a Swarm config named after the service, whose
// labels say who holds it and until when; the holder renews them. Nothing is written on the service
// itself, where any change would release a held batch.
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { parseLockLabel, type LockRecord } from '../rollout/lock-decision.js'
import { LOCK_OF_LABEL, LOCK_RECORD_LABEL, StoreLock, type HeldLock } from './deploy-lock.js'
import type { SwarmApi } from './swarm-api.js'

export { lockName, LOCK_OF_LABEL, LOCK_RECORD_LABEL } from './deploy-lock.js'

export class SwarmLock extends StoreLock {
  constructor(
    private readonly api: SwarmApi,
    service: string,
    clock: Clock,
    log: Log
  ) {
    super(service, clock, log)
  }

  protected get what(): string {
    return `Swarm config ${this.name}`
  }

  protected create(record: LockRecord): Promise<boolean> {
    // Swarm wants some data in a config: the holder, for whoever looks at it with docker config inspect.
    return this.api.createConfig(this.name, this.labels(record), `deploy lock of ${this.service}, held by ${record.owner}\n`)
  }

  protected async read(): Promise<HeldLock | undefined> {
    const existing = await this.api.findConfig(this.name)
    return existing ? { id: existing.ID, record: parseLockLabel(existing.Spec?.Labels?.[LOCK_RECORD_LABEL]) } : undefined
  }

  protected remove(id: string): Promise<void> {
    return this.api.removeConfig(id)
  }

  protected async renew(id: string, record: LockRecord): Promise<void> {
    const existing = await this.api.findConfig(this.name)
    if (existing?.ID === id) await this.api.relabelConfig(existing, this.labels(record))
  }

  private labels(record: LockRecord): Record<string, string> {
    return { [LOCK_OF_LABEL]: this.service, [LOCK_RECORD_LABEL]: JSON.stringify(record) }
  }
}
