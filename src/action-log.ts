// The Log seam for the action: @actions/core's logging, groups and masking.
import * as core from '@actions/core'
import type { Log } from './log.js'

export function actionLog(): Log {
  return {
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
    debug: (message) => core.debug(message),
    group: (title, fn) => core.group(title, fn),
    setSecret: (secret) => maskSecret(secret, (s) => core.setSecret(s))
  }
}

/** Masks a secret as a whole and line by line: the runner matches masks within a single line. */
export function maskSecret(secret: string, mask: (value: string) => void): void {
  if (!secret) return
  mask(secret)
  for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 4) mask(line.trim())
}
