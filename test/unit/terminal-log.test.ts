// The terminal log's live status line: plain lines off a TTY, one rewritten line on a TTY, on a fake
// writer and a fake clock (no test waits on real time).
import { describe, expect, it } from '@jest/globals'
import { CLEAR_LINE, FRAME_MS, fitText, type ProgressClock } from '../../src/cli/progress-line.js'
import { isStatusLine, TerminalLog, type TerminalLogOptions } from '../../src/cli/terminal-log.js'

const C = CLEAR_LINE

interface FakeTicker { ms: number; tick: () => void; stopped: boolean }

function setup(options: Partial<TerminalLogOptions> = {}) {
  const writes: string[] = []
  const tickers: FakeTicker[] = []
  let now = 1_000_000
  const clock: ProgressClock = {
    now: () => now,
    every(ms, tick) {
      const ticker = { ms, tick, stopped: false }
      tickers.push(ticker)
      return { stop: () => { ticker.stopped = true } }
    }
  }
  const log = new TerminalLog({ write: (t) => writes.push(t), clock, ...options })
  /** Moves the clock on and fires every running timer once (as a ~100ms interval would). */
  const advance = (ms: number): void => {
    now += ms
    for (const t of tickers) if (!t.stopped) t.tick()
  }
  const running = (): number => tickers.filter((t) => !t.stopped).length
  return { log, writes, tickers, advance, running, out: () => writes.join('') }
}

/** What the engine logs for one batch, with timer ticks in between. */
async function batch(log: TerminalLog, advance: (ms: number) => void): Promise<void> {
  await log.group('Batch 1/3: 1/3 replicas on the new release', async () => {
    log.info('  0/3 ready, 1 starting, 2 on other releases')
    advance(400)
    log.info('  1/3 ready, 2 on other releases')
    log.info('  → verifying')
    advance(700)
    log.info('  health ok: 200 in 3 ms')
    log.info('  → monitoring')
    advance(1000)
    log.info('  health ok: 200 in 2 ms')
  })
  log.info('All 3 replica(s) of web run app:2')
}

const PLAIN =
  '▸ Batch 1/3: 1/3 replicas on the new release\n' +
  '    0/3 ready, 1 starting, 2 on other releases\n' +
  '    1/3 ready, 2 on other releases\n' +
  '    → verifying\n' +
  '    health ok: 200 in 3 ms\n' +
  '    → monitoring\n' +
  '    health ok: 200 in 2 ms\n' +
  'All 3 replica(s) of web run app:2\n'

describe('TerminalLog off a TTY', () => {
  it.each([undefined, false])('prints every line as before and never starts a timer (tty: %s)', async (tty) => {
    const { log, out, advance, tickers } = setup(tty === undefined ? {} : { tty })
    await batch(log, advance)
    expect(out()).toBe(PLAIN)
    expect(tickers).toHaveLength(0)
  })
})

describe('TerminalLog on a TTY', () => {
  it('rewrites one status line in place and keeps phase changes and the last status', async () => {
    const { log, writes, advance, running } = setup({ tty: true })
    await batch(log, advance)
    expect(writes).toEqual([
      '▸ Batch 1/3: 1/3 replicas on the new release\n',
      `${C}    ⠋ 0/3 ready, 1 starting, 2 on other releases (0s)`,
      `${C}    ⠙ 0/3 ready, 1 starting, 2 on other releases (0s)`,
      `${C}    ⠙ 1/3 ready, 2 on other releases (0s)`,
      // A permanent line goes above the live line, which is drawn again below it.
      `${C}    → verifying\n`,
      `${C}    ⠙ 1/3 ready, 2 on other releases (0s)`,
      `${C}    ⠹ 1/3 ready, 2 on other releases (1s)`,
      `${C}    ⠹ health ok: 200 in 3 ms (1s)`,
      `${C}    → monitoring\n`,
      `${C}    ⠹ health ok: 200 in 3 ms (1s)`,
      `${C}    ⠸ health ok: 200 in 3 ms (2s)`,
      `${C}    ⠸ health ok: 200 in 2 ms (2s)`,
      // The group's end: the live line is cleared and its last status stays as a plain line.
      C,
      '    health ok: 200 in 2 ms\n',
      'All 3 replica(s) of web run app:2\n'
    ])
    expect(running()).toBe(0)
  })

  it('runs one ~100ms timer per group and stops it at the group end, even when the group throws', async () => {
    const { log, writes, tickers, advance, running } = setup({ tty: true })
    await expect(log.group('g', async () => {
      log.info('  1/1 ready')
      log.info('  health ok: 200 in 1 ms')
      expect(running()).toBe(1)
      throw new Error('boom')
    })).rejects.toThrow('boom')
    expect(tickers).toHaveLength(1)
    expect(tickers[0].ms).toBe(FRAME_MS)
    expect(running()).toBe(0)
    const before = writes.length
    advance(5000)
    expect(writes).toHaveLength(before)
    await log.group('h', async () => { log.info('  2/2 ready') })
    expect(tickers).toHaveLength(2)
    expect(running()).toBe(0)
  })

  it('clears the status line before a warning or error and prints it on its own line', async () => {
    const { log, writes } = setup({ tty: true })
    await log.group('g', async () => {
      log.info('  1/3 ready')
      log.warning('careful')
      log.error('bad')
    })
    expect(writes).toEqual([
      '▸ g\n',
      `${C}    ⠋ 1/3 ready (0s)`,
      `${C}  warning: careful\n`,
      `${C}    ⠋ 1/3 ready (0s)`,
      `${C}  error: bad\n`,
      `${C}    ⠋ 1/3 ready (0s)`,
      C,
      '    1/3 ready\n'
    ])
  })

  it('masks secrets in the status line, including ones set while it is shown', async () => {
    const { log, out, writes } = setup({ tty: true })
    log.setSecret('hunter22')
    await log.group('g', async () => {
      log.info('  health ok: token hunter22 accepted')
      const shown = writes.length
      log.info('  health ok: 200 from s3cr3t-host')
      log.setSecret('s3cr3t-host')
      // Drawn again at once, masked; every later draw is masked too.
      expect(writes.slice(shown + 1)).toEqual([`${C}    ⠋ health ok: 200 from *** (0s)`])
    })
    expect(out()).toContain(`${C}    ⠋ health ok: token *** accepted (0s)`)
    expect(out()).not.toContain('hunter22')
    expect(out().endsWith(`${C}    health ok: 200 from ***\n`)).toBe(true)
  })

  it('cuts the status line to the terminal width, after masking', async () => {
    const { log, writes } = setup({ tty: true, columns: () => 30 })
    log.setSecret('abcdefghijklmnop')
    await log.group('g', async () => { log.info('  health ok: abcdefghijklmnop and more text') })
    const live = writes[1].slice(C.length)
    expect(live).toBe('    ⠋ health ok: *** an… (0s)')
    expect([...live].length).toBe(29)
    // The permanent copy at the group's end is not cut: it may wrap like any plain line.
    expect(writes.at(-1)).toBe('    health ok: *** and more text\n')
  })

  it('keeps failures, metrics and lines outside a group as plain lines', async () => {
    const { log, out, tickers } = setup({ tty: true })
    log.info('3/3 ready')
    await log.group('g', async () => {
      log.info('  2/3 ready, 1 failed')
      log.info('  health FAILED: 503 in 4 ms')
      log.info('  metrics successful: error rate 0%')
    })
    expect(out()).toBe('3/3 ready\n▸ g\n    2/3 ready, 1 failed\n    health FAILED: 503 in 4 ms\n    metrics successful: error rate 0%\n')
    expect(tickers).toHaveLength(0)
  })

  it('settles the outer status line before an inner group and indents by depth', async () => {
    const { log, writes } = setup({ tty: true })
    await log.group('outer', async () => {
      log.info('  1/2 ready')
      await log.group('inner', async () => { log.info('  health ok: 200') })
    })
    expect(writes).toEqual([
      '▸ outer\n',
      `${C}    ⠋ 1/2 ready (0s)`,
      C,
      '    1/2 ready\n',
      '  ▸ inner\n',
      `${C}      ⠋ health ok: 200 (0s)`,
      C,
      '      health ok: 200\n'
    ])
  })

  it('paints the spinner and the seconds only when colours are on', async () => {
    const { log, writes } = setup({ tty: true, color: true })
    await log.group('g', async () => { log.info('  1/1 ready') })
    expect(writes[1]).toBe(`${C}    \x1b[2m⠋\x1b[22m 1/1 ready \x1b[2m(0s)\x1b[22m`)
  })
})

describe('status lines and fitting', () => {
  it('knows the repeated lines', () => {
    expect(isStatusLine('  1/3 ready, 2 on other releases')).toBe(true)
    expect(isStatusLine('  health ok: 200 in 3 ms')).toBe(true)
    expect(isStatusLine('  1/3 ready, 1 failed')).toBe(false)
    expect(isStatusLine('  → monitoring')).toBe(false)
    expect(isStatusLine('  health FAILED: 503')).toBe(false)
    expect(isStatusLine('  1/3 ready\nmore')).toBe(false)
  })

  it('cuts by characters, not code units, and defaults to 80 columns', () => {
    expect(fitText('⠋⠙⠹', 0, 4)).toBe('⠋⠙⠹')
    expect(fitText('⠋⠙⠹⠸', 0, 4)).toBe('⠋⠙…')
    expect(fitText('x'.repeat(79), 0, undefined)).toBe('x'.repeat(79))
    expect(fitText('x'.repeat(80), 0, undefined)).toBe(`${'x'.repeat(78)}…`)
  })
})
