// The deploy lock on a plain Docker host (protocol: deploy-lock.ts): a container that is never started,
// named zdd-lock-<service>. Its labels say who holds it; since labels of a container cannot change, the
// holder renews its expiry by writing a small file into the container, and a lock whose file (or label)
// expired belongs to a run that died.
import type { Log } from '../log.js'
import type { Clock } from '../rollout/clock.js'
import { parseLockLabel, type LockRecord } from '../rollout/lock-decision.js'
import { lockName, LOCK_OF_LABEL, LOCK_RECORD_LABEL, StoreLock, type HeldLock } from './deploy-lock.js'
import type { DockerApi } from './docker-api.js'
import { firstFileOf, tarOneFile } from './tiny-tar.js'

export { LOCK_OF_LABEL, LOCK_RECORD_LABEL } from './deploy-lock.js'
export const lockContainerName = lockName
const RENEWED_FILE = 'zdd-lock.json'

export class DockerLock extends StoreLock {
  constructor(
    private readonly api: DockerApi,
    service: string,
    clock: Clock,
    log: Log,
    /** An image on the host to create the (never started) lock container from. */
    private readonly anchorImage: () => Promise<string>
  ) {
    super(service, clock, log)
  }

  protected get what(): string {
    return `container ${this.name}`
  }

  private image?: string

  protected async create(record: LockRecord): Promise<boolean> {
    this.image ??= await this.anchorImage()
    const created = await this.api.create({
      name: this.name,
      Image: this.image,
      Labels: { [LOCK_OF_LABEL]: this.service, [LOCK_RECORD_LABEL]: JSON.stringify(record) },
      HostConfig: { NetworkMode: 'none' }
    })
    return Boolean(created)
  }

  protected read(): Promise<HeldLock | undefined> {
    return readLock(this.api, this.name)
  }

  protected remove(id: string): Promise<void> {
    return this.api.remove(id)
  }

  protected async renew(id: string, record: LockRecord): Promise<void> {
    await this.api.putArchive(id, tarOneFile(RENEWED_FILE, JSON.stringify(record), Date.now() / 1000))
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
