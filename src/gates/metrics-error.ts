// What the two edges that fetch metric numbers (the Prometheus HTTP API, a scraped text endpoint) share:
// the error they throw, how a URL appears in it (never with credentials), and the one GET both make,
// which reports a timeout or an unreachable host as an outcome for each edge to word in its own terms.

/** A metric reading could not be fetched or understood. The message says which and why, for the log. */
export class MetricsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MetricsError'
  }
}

/** A URL as it may appear in a message: no user or password, no fragment, the query string only on demand. */
export function showUrl(url: URL, { query = true }: { query?: boolean } = {}): string {
  return `${url.origin}${url.pathname}${query ? url.search : ''}`
}

export type FetchOutcome =
  | { kind: 'reply'; status: number; body: string }
  | { kind: 'timeout' }
  /** `reason`: the cause's code (ECONNREFUSED, ENOTFOUND, …), else its message. */
  | { kind: 'unreachable'; reason: string }

/**
 * Request headers: the edge's defaults, then the caller's (case-insensitive, the caller's win).
 * A header fetch cannot send is named, never shown: Headers' own error would quote a token.
 */
export function mergeHeaders(defaults: Record<string, string>, extra: Record<string, string> = {}): Headers {
  const headers = new Headers(defaults)
  for (const [name, value] of Object.entries(extra)) {
    try {
      headers.set(name, value)
    } catch {
      throw new MetricsError(`the header ${JSON.stringify(name)} cannot be sent: its name or value has characters HTTP does not allow`)
    }
  }
  return headers
}

/**
 * One GET whose body is read as text, the timeout covering the body too. Never throws.
 * `user:password@` in the URL becomes a Basic Authorization header: fetch refuses such URLs, and its
 * refusal would quote the password.
 */
export async function fetchText(url: URL, headers: Headers, timeoutMs: number): Promise<FetchOutcome> {
  const target = new URL(url.href)
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username)
    const password = decodeURIComponent(target.password)
    target.username = ''
    target.password = ''
    if (!headers.has('authorization')) {
      headers = new Headers(headers)
      headers.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`)
    }
  }
  try {
    const response = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutMs) })
    return { kind: 'reply', status: response.status, body: await response.text() }
  } catch (error) {
    return describeFailure(error)
  }
}

function describeFailure(error: unknown): FetchOutcome {
  // Duck-typed rather than instanceof: errors may come from another realm (test VMs, undici).
  type Cause = { name?: string; code?: string; message?: string; errors?: Cause[] }
  const e = (error ?? {}) as Cause & { cause?: Cause }
  // fetch wraps the real reason in `cause`; a timeout may come either way.
  if ([e.name, e.cause?.name].includes('TimeoutError')) return { kind: 'timeout' }
  const cause = e.cause
  // A host with several addresses fails with an AggregateError whose code may sit on its parts only.
  const code = cause?.code ?? cause?.errors?.find((part) => part.code)?.code
  const reason = code ?? (cause?.message || e.message || String(error))
  return { kind: 'unreachable', reason }
}
