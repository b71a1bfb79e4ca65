// The state of a rollout in progress, kept on the target as a Swarm config while the run holds the
// deploy lock. A run that takes over the lock from a dead holder finds it there and recovers the
// service from it, the way the action's post step does from its saved state (see recover.ts).
import { createHash } from 'node:crypto'
import { decodeRunState, encodeRunState, type RunState } from '../run-state.js'
import type { SwarmApi } from './swarm-api.js'

export const RUN_OF_LABEL = 'zdd.run-of'

function recordName(service: string, token: string): string {
  return `zdd-run-${createHash('sha256').update(`${service}\n${token}`).digest('hex').slice(0, 32)}`
}

export async function saveRunRecord(api: SwarmApi, state: RunState): Promise<void> {
  if (!state.lockToken) return
  await api.createConfig(recordName(state.service, state.lockToken), { [RUN_OF_LABEL]: state.service }, encodeRunState(state))
}

export async function dropRunRecord(api: SwarmApi, service: string, token: string | undefined): Promise<void> {
  if (!token) return
  await api.removeConfig(recordName(service, token))
}

/** Records left by runs that did not reach their end, with the config each came from. */
export async function leftoverRunRecords(api: SwarmApi, service: string): Promise<Array<{ id: string; state?: RunState }>> {
  const found: Array<{ id: string; state?: RunState }> = []
  for (const listed of await api.configsLabelled(RUN_OF_LABEL, service)) {
    const config = await api.findConfig(listed.ID)
    const data = config?.Spec?.Data ? Buffer.from(config.Spec.Data, 'base64').toString('utf8') : undefined
    const state = decodeRunState(data)
    found.push(state ? { id: listed.ID, state } : { id: listed.ID })
  }
  return found
}
