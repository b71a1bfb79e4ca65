// The Log seam for the action: @actions/core's logging, groups and masking.
import * as core from '@actions/core'
import { secretParts, type Log } from './log.js'

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
  for (const part of secretParts(secret)) mask(part)
}
