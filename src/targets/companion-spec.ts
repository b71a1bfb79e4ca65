// The spec of a companion service (canary or preview), cloned from the service it stands beside:
// same networks, env, mounts, labels, health check and resources, with the new release (its image and
// its env/labels change). Pure.
import type Docker from 'dockerode'
import { previewAliases } from '../rollout/blue-green-plan.js'
import type { ConfigChange } from '../config/types.js'
import { PREVIOUS_CONFIG_LABEL, PREVIOUS_LABEL } from './release-labels.js'
import { setRelease } from './release-spec.js'
import { ROLLOUT_LABEL, withoutMarker } from './swarm-specs.js'

export type CompanionRole = 'canary' | 'preview'

/** On a companion: the service it belongs to. A service of that name without it is not ours to touch. */
export const COMPANION_OF_LABEL = 'zdd.companion-of'
export const ROLE_LABEL = 'zdd.role'

export function companionName(service: string, role: CompanionRole): string {
  return `${service}-${role}`
}

export function companionSpec(
  stable: Docker.ServiceSpec,
  service: string,
  role: CompanionRole,
  release: string,
  replicas: number,
  change?: ConfigChange
): Docker.ServiceSpec {
  const spec = structuredClone(stable)
  spec.Name = companionName(service, role)
  spec.Labels = { ...withoutMarker(stable.Labels), [COMPANION_OF_LABEL]: service, [ROLE_LABEL]: role }
  // The service's own bookkeeping stays on the service: the batch marker, the release it ran before.
  for (const label of [ROLLOUT_LABEL, PREVIOUS_LABEL, PREVIOUS_CONFIG_LABEL]) delete spec.Labels[label]
  // The release's env/labels change goes with it: a config-only canary is the toggle under test.
  setRelease(spec, release, change)
  spec.Mode = { Replicated: { Replicas: replicas } }
  // Published ports belong to the stable service (two services cannot publish one port); the
  // companion is reached through the networks it shares, by alias or by its own name.
  spec.EndpointSpec = { Mode: stable.EndpointSpec?.Mode ?? 'vip' }
  const template = spec.TaskTemplate as Docker.ContainerTaskSpec
  if (role === 'preview') {
    // A preview must not answer on the service's names before the switch.
    if (template.Networks) template.Networks = template.Networks.map((n) => ({ ...n, Aliases: previewAliases(n.Aliases) }))
    if (spec.Networks) spec.Networks = spec.Networks.map((n) => ({ ...n, Aliases: previewAliases(n.Aliases) }))
  }
  return spec
}

/** Replicas a replicated service asks for. */
export function specReplicas(spec: Docker.ServiceSpec | undefined): number {
  return spec?.Mode?.Replicated?.Replicas ?? 0
}

/** Whether traffic can reach a canary at all: only through shared network aliases or a proxy that knows its name. */
export function canaryReachWarning(stable: Docker.ServiceSpec, service: string): string | undefined {
  const template = stable.TaskTemplate as Docker.ContainerTaskSpec | undefined
  const aliases = [...(template?.Networks ?? []), ...(stable.Networks ?? [])].flatMap((n) => n.Aliases ?? [])
  const published = (stable.EndpointSpec?.Ports ?? []).filter((p) => p.PublishedPort)
  if (aliases.length || !published.length) return undefined
  return (
    `Service '${service}' is reached through published port(s) ${published.map((p) => p.PublishedPort).join(', ')} and has no network alias: ` +
    `Swarm routes a published port to one service only, so the canary gets traffic only from a proxy that also routes to ${companionName(service, 'canary')} (give the service a network alias to share it)`
  )
}
