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
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no reply within ${timeoutMs} ms`
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause
    if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`
    return error.message
  }
  return String(error)
}
