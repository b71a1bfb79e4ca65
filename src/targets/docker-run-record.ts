// The state of a rollout in progress on a plain host, kept on the host while the run holds the deploy
// lock: a never-started container labelled with the state (written once, as labels cannot change). A
// run that takes over the lock from a dead holder finds it and recovers the service from it.
import { createHash } from 'node:crypto'
import { decodeRunState, encodeRunState, type RunState } from '../run-state.js'
import type { DockerApi } from './docker-api.js'

export const RUN_OF_LABEL = 'zdd.run-of'
const RUN_STATE_LABEL = 'zdd.run'

function recordName(service: string, token: string): string {
  return `zdd-run-${createHash('sha256').update(`${service}\n${token}`).digest('hex').slice(0, 32)}`
}

export async function saveDockerRunRecord(api: DockerApi, state: RunState, image: string): Promise<void> {
  if (!state.lockToken) return
  await api.create({
    name: recordName(state.service, state.lockToken),
    Image: image,
    Labels: { [RUN_OF_LABEL]: state.service, [RUN_STATE_LABEL]: encodeRunState(state) },
    HostConfig: { NetworkMode: 'none' }
  })
}

export async function dropDockerRunRecord(api: DockerApi, service: string, token: string | undefined): Promise<void> {
  if (!token) return
  await api.remove(recordName(service, token))
}

/** Records left by runs that did not reach their end, with the container each is. */
export async function leftoverDockerRunRecords(api: DockerApi, service: string): Promise<Array<{ id: string; state?: RunState }>> {
  const found: Array<{ id: string; state?: RunState }> = []
  for (const id of await api.list({ [RUN_OF_LABEL]: service })) {
    const state = decodeRunState((await api.inspect(id))?.Config.Labels?.[RUN_STATE_LABEL])
    found.push(state ? { id, state } : { id })
  }
  return found
}
