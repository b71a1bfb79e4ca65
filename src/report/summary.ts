// The job summary, rendered from the report: the result in the first line, then the plan and a
// timeline a person reads at a glance. Pure: report in, markdown out.
import { describeAnyPlan } from '../rollout/plans.js'
import type { ConfigDiff } from '../release/config-change.js'
import { elapsedMs, type Report, type StepRecord } from './report.js'

const HEADLINE: Record<string, string> = {
  succeeded: '✅ Deployed',
  'rolled-back': '↩️ Rolled back',
  failed: '❌ Failed',
  planned: '📝 Planned (dry run)',
  paused: '⏸️ Paused (canary waiting for promote or abort)'
}

export function renderSummary(report: Report): string {
  const lines: string[] = []
  const target = report.target ? ` ${report.target.name}` : ''
  lines.push(`### ${HEADLINE[report.result ?? 'failed'] ?? report.result}${target}${report.image ? ` → \`${report.image}\`` : ''}`)
  if (report.reason) lines.push('', `**Why:** ${escape(report.reason)}`)
  lines.push('')
  const facts: Array<[string, string | undefined]> = [
    ['Release', report.image && code(report.image)],
    ['Previous release', report.previousImage && code(report.previousImage)],
    ['Strategy', report.plan ? strategyLine(report.plan) : undefined],
    ['Jobs', jobsLine(report)],
    ['Duration', duration(elapsedMs(report.startedAt, report.endedAt))]
  ]
  lines.push('| | |', '|---|---|')
  for (const [name, value] of facts) if (value) lines.push(`| ${name} | ${escape(value)} |`)
  if (report.config) lines.push('', ...configTable(report.config))
  if (report.plan) lines.push('', '<details><summary>Plan</summary>', '', '```', ...describeAnyPlan(report.plan), '```', '</details>')
  if (report.steps.length) {
    lines.push('', '| Step | Started | Took | Replicas | Health probes | Outcome |', '|---|---|---|---|---|---|')
    for (const step of report.steps) lines.push(stepRow(step))
  }
  for (const step of report.steps) {
    if (!step.job) continue
    const { job } = step
    const ended = job.exitCode !== undefined ? `exit code ${job.exitCode}` : job.status
    lines.push('', `<details><summary>${step.name} job ${job.name}: ${ended}, ${duration(job.durationMs)}, last log lines</summary>`, '', '```', `$ ${job.command}`, ...job.logTail, '```', '</details>')
  }
  const readings = report.steps.flatMap((step) => step.measurements.map((m) => ({ step: step.name, ...m })))
  if (readings.length) {
    lines.push('', '| Step | Metric reading at | Verdict | Measured |', '|---|---|---|---|')
    for (const r of readings.slice(-MAX_READINGS)) {
      const values = Object.entries(r.values).map(([name, value]) => `${name} = ${formatValue(value)}`).join('<br>')
      lines.push(`| ${escape(r.step)} | ${r.at.slice(11, 19)} | ${r.phase} | ${escape(values || r.detail)} |`)
    }
  }
  if (report.failureLogs.length) {
    lines.push('', '<details><summary>Failing replicas: last log lines</summary>', '', '```', ...report.failureLogs.slice(-60), '```', '</details>')
  }
  if (report.warnings.length) lines.push('', ...report.warnings.map((w) => `> ⚠️ ${escape(w)}`))
  return lines.join('\n') + '\n'
}

// A long analysis keeps its last readings in the summary; the JSON report has them all.
const MAX_READINGS = 40

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value)
}

function strategyLine(plan: NonNullable<Report['plan']>): string {
  if (plan.strategy === 'canary') {
    return `canary ${plan.canary} beside ${plan.stable} stable: ${plan.steps.map((s) => `${s.weight}% (${s.replicas} = ${s.share.toFixed(1)}%)`).join(' → ')}, then promote`
  }
  if (plan.strategy === 'blue-green') return `blue-green: ${plan.replicas} replica(s) as ${plan.preview}, then one switch`
  return `${plan.strategy}, ${plan.steps.length} batch(es) of up to ${plan.batchSize} over ${plan.total} replica(s)`
}

function jobsLine(report: Report): string | undefined {
  const jobs = Object.entries(report.jobs ?? {})
  return jobs.length ? jobs.map(([phase, result]) => `${phase} ${result}`).join(', ') : undefined
}

/** The env/labels change, one row per key; values are as the report has them (secrets already masked). */
function configTable(config: ConfigDiff): string[] {
  const rows: string[] = ['| Config change | Key | Before | After |', '|---|---|---|---|']
  for (const kind of ['env', 'labels'] as const) {
    const d = config[kind]
    for (const { key, value } of d.added) rows.push(`| ${kind} | ${cell(key)} | – | ${cell(value)} |`)
    for (const { key, from, to } of d.changed) rows.push(`| ${kind} | ${cell(key)} | ${cell(from)} | ${cell(to)} |`)
    for (const { key, value } of d.removed) rows.push(`| ${kind} | ${cell(key)} | ${cell(value)} | removed |`)
  }
  return rows
}

function cell(text: string): string {
  return text === '' ? '(empty)' : `\`${escape(text).replace(/`/g, "'")}\``
}

function stepRow(step: StepRecord): string {
  const ok = step.probes.filter((p) => p.ok).length
  const last = step.probes.at(-1)
  const slowest = step.probes.reduce((max, p) => Math.max(max, p.durationMs), 0)
  const probes = step.probes.length ? `${ok}/${step.probes.length} ok, slowest ${Math.round(slowest)} ms${last && !last.ok ? `; last: ${last.detail}` : ''}` : '–'
  const exit = step.job?.exitCode !== undefined ? ` (exit ${step.job.exitCode})` : ''
  const outcome = `${step.outcome ?? 'running'}${exit}${step.reason ? `: ${step.reason}` : ''}`
  return `| ${step.name} | ${step.startedAt.slice(11, 19)} | ${duration(elapsedMs(step.startedAt, step.endedAt)) ?? '–'} | ${escape(step.replicas ?? '–')} | ${escape(probes)} | ${escape(outcome)} |`
}

function duration(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`
}

function code(text: string): string {
  return /[@:/]/.test(text) ? `\`${text}\`` : text
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
