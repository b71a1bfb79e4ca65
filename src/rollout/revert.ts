// Putting the captured release back: write it, wait until every replica runs it again, then restore the
// exact captured settings. A revert is never itself reverted; when it cannot converge, it says so loudly.
import { iso } from '../report/report.js'
import type { Capture } from '../targets/target.js'
import type { EngineDeps, RolloutSettings } from './engine.js'
import { describeObservation } from './observation.js'
import { probeHealth } from './probe-replicas.js'

// A revert gets at least this long to converge, even when the per-batch deadline is shorter.
const MIN_REVERT_MS = 60_000
const POLL_MS = 1000

export async function revert<C extends Capture>(
  capture: C,
  previous: string,
  settings: RolloutSettings,
  deps: EngineDeps<C>
): Promise<{ ok: boolean; reason?: string }> {
  const { target, clock, log, recorder } = deps
  const record = recorder.startStep('revert')
  return log.group(`Revert to ${previous}`, async () => {
    const started = clock.now()
    const deadline = started + Math.max(settings.deadlineMs, MIN_REVERT_MS)
    try {
      await target.restore(capture, previous)
      let lastSeen = ''
      for (;;) {
        const o = await target.observe(capture, previous, started)
        const seen = describeObservation(o)
        record.replicas = seen
        if (seen !== lastSeen) {
          log.info(`  ${seen}`)
          recorder.event(record, seen)
          lastSeen = seen
        }
        if (o.ready >= o.desired && o.others === 0) break
        if (clock.now() >= deadline) {
          const reason = `the previous release did not come back within ${Math.round((deadline - started) / 1000)}s (${seen})`
          recorder.endStep(record, 'not converged', reason)
          log.error(`Revert incomplete: ${reason}. ${capture.name} is NOT on a single known release.`)
          return { ok: false, reason }
        }
        await clock.sleep(POLL_MS)
      }
      await target.settle(capture, previous)
    } catch (error) {
      const reason = (error as Error).message
      recorder.endStep(record, 'not converged', reason)
      return { ok: false, reason }
    }
    const took = ((clock.now() - started) / 1000).toFixed(1)
    log.info(`  every replica runs ${previous} again (${took}s)`)
    if (settings.health && capture.replicas > 0) {
      // Say how the restored release answers; a failing probe here is reported, not acted on.
      const probe = await probeHealth(target, capture, previous, settings.health, deps.probe)
      record.probes.push({ at: iso(clock.now()), ok: probe.ok, status: probe.status, durationMs: probe.durationMs, detail: probe.detail })
      log.info(`  health after revert: ${probe.ok ? 'ok' : 'FAILED'}: ${probe.detail}`)
    }
    recorder.endStep(record, 'converged')
    return { ok: true }
  })
}
