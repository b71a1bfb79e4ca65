// One tick of the HTTP health gate: the URL as given (Swarm: a load balancer in front of the tasks), or
// the same URL at each ready replica's own address when the target says where they are (plain
// containers). Every replica must pass for the tick to count as a success.
import type { HealthGateConfig } from '../config/types.js'
import { judgeProbe, type ProbeVerdict } from '../gates/health-verdict.js'
import type { HttpProbe } from '../gates/http-probe.js'
import type { Capture, RolloutTarget } from '../targets/target.js'

export async function probeHealth<C extends Capture>(
  target: RolloutTarget<C>,
  capture: C,
  release: string,
  health: HealthGateConfig,
  probe: HttpProbe
): Promise<ProbeVerdict> {
  const urls = target.probeUrls ? await target.probeUrls(capture, release, health.url) : [health.url]
  if (urls.length === 0) return { ok: false, detail: 'no ready replica of the release to probe', durationMs: 0 }
  const verdicts = await Promise.all(urls.map(async (url) => judgeProbe(await probe.get(url, health.timeoutMs), health)))
  return combineVerdicts(urls, verdicts, target.probeUrls !== undefined)
}

/** One verdict for one tick: the first failure, or every success, each named by its host when there are several. */
export function combineVerdicts(urls: readonly URL[], verdicts: readonly ProbeVerdict[], perReplica: boolean): ProbeVerdict {
  const named = (i: number): string => (perReplica ? `${urls[i].host}: ${verdicts[i].detail}` : verdicts[i].detail)
  const failed = verdicts.findIndex((v) => !v.ok)
  if (failed >= 0) return { ...verdicts[failed], detail: named(failed) }
  const slowest = verdicts.reduce((a, b) => (b.durationMs > a.durationMs ? b : a))
  return { ...slowest, ok: true, detail: verdicts.map((_, i) => named(i)).join('; ') }
}
