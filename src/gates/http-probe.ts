// The HTTP seam: one GET with a timeout. Never throws; a failed request is a reply with an error.

export interface ProbeReply {
  status?: number
  body?: string
  error?: string
  durationMs: number
}

export interface HttpProbe {
  get(url: URL, timeoutMs: number): Promise<ProbeReply>
}

// Bodies are only matched against a regex; a health page larger than this is cut.
const MAX_BODY = 64 * 1024

export function createHttpProbe(now: () => number = Date.now): HttpProbe {
  return {
    async get(url, timeoutMs) {
      const started = now()
      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
          headers: { 'user-agent': 'zero-downtime-deploy health gate', connection: 'close' }
        })
        const text = await response.text()
        return { status: response.status, body: text.slice(0, MAX_BODY), durationMs: now() - started }
      } catch (error) {
        return { error: describeFetchError(error, timeoutMs), durationMs: now() - started }
      }
    }
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: errors may come from another realm (test VMs, undici).
  const e = error as { name?: string; message?: string; cause?: { name?: string; code?: string; message?: string } } | undefined
  if (!e || typeof e !== 'object') return String(error)
  // fetch wraps the real reason in `cause`; a timeout may come either way.
  if ([e.name, e.cause?.name].includes('TimeoutError')) return `no reply within ${timeoutMs} ms`
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? `: ${e.cause.message}` : ''}`
  return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message ?? String(error)
}
