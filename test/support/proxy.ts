// The HAProxy test proxy: its config (proxyConfig) and startProxy, which runs zdd-haproxy:local in front
// of a Swarm service on its overlay network, published on 127.0.0.1 (optionally scraped by Prometheus).
import { addScrapeTarget, removeScrapeTarget, waitForScrapeTarget } from './prometheus.js'
import { PROXY_IMAGE, TEST_LABELS, docker, httpGet, statusCode, uniqueName, waitFor } from './testbed.js'


export interface ProxyConfigOptions {
  /** Port the tasks listen on; default 80. */
  port?: number
  /** Number of server slots filled from DNS, per server-template; default 10. */
  slots?: number
  /** Also route to the tasks of `<service>-preview` (a third server-template); default false. */
  includePreview?: boolean
  /**
   * Plain containers (platform docker): resolve this network alias, `<alias>-canary` (and with
   * includePreview `<alias>-preview`) instead of tasks.<service>…; server names stay `<service>N`,
   * `<service>-canaryN`, `<service>-previewN`. Default: the Swarm task names.
   */
  alias?: string
  /**
   * Names to resolve instead of tasks.<service> and tasks.<service>-canary (e.g. a network alias shared by
   * plain containers): one server-template each, servers named after the name.
   */
  hosts?: string[]
  /**
   * Time between two DNS resolutions (`timeout resolve`, and `hold valid` as long): the proxy's lag behind
   * Docker's DNS, for tasks that come and go (a vanished address goes at the next resolution: `hold
   * obsolete 0s`). Default 1000 ms; e.g. 5000 for a proxy whose view lags up to 5 s.
   */
  dnsRefreshMs?: number
  /**
   * Retries of a request whose connection failed or was closed before any answer, to another server
   * (`retries` + `option redispatch` + `retry-on conn-failure empty-response`); 0 = off. Default 3.
   */
  retries?: number
  /** Health check: an HTTP GET of this path (`option httpchk`, 2xx/3xx = up), instead of a TCP connect. */
  httpCheck?: string
  /**
   * Connections to the servers: `safe` (HAProxy's default reuse of idle server connections), `always`
   * (reuse idle server connections for any request: the most keep-alive), `close` (a new server
   * connection per request). Default `safe`.
   */
  serverConnections?: 'safe' | 'always' | 'close'
  /** Log every request that failed or was retried (HTTP log format) to the container's stdout; default false. */
  logErrors?: boolean
}

/**
 * HAProxy config in front of a Swarm service (dnsrr or vip): servers come from Docker's DNS, refreshed
 * every second, through one server-template per service of the release:
 * - `<service>` from tasks.<service>: servers `<service>1` … `<service>N` (stable)
 * - `<service>-canary` from tasks.<service>-canary: servers `<service>-canary1` … (canary)
 * - with includePreview, `<service>-preview` from tasks.<service>-preview: `<service>-preview1` …
 * A name that does not resolve (no such service yet) leaves its slots in MAINT; requests go round-robin
 * to the servers that are up, so HAProxy's per-server Prometheus metrics, e.g.
 * haproxy_server_http_responses_total{proxy="app",server=~"<service>-canary[0-9]+",code="5xx"}, tell
 * canary from stable. By default a plain TCP check (no httpchk), so a release whose /health is 404 is
 * still routed and an HTTP health gate in front of it sees the failures; `httpCheck` makes it an HTTP
 * check, as a well-configured proxy has. The other options make the proxies of the zero-loss tests:
 * `dnsRefreshMs` (a lagging view of DNS), `retries` (0 = off) and `serverConnections` (keep-alive).
 * `/api` is rewritten to `/cgi-bin/api` (the fixture app's CGI: busybox httpd runs CGIs only under
 * /cgi-bin/). Statistics and the Prometheus exporter listen on :8404 (/stats, /metrics).
 */
export function proxyConfig(service: string, opts: ProxyConfigOptions = {}): string {
  const port = opts.port ?? 80
  const slots = opts.slots ?? 10
  const retries = opts.retries ?? 3
  const hold = opts.dnsRefreshMs === undefined ? '1s' : `${opts.dnsRefreshMs}ms`
  const template = (prefix: string, host = `tasks.${prefix}`): string =>
    `    server-template ${prefix} ${slots} ${host}:${port} check resolvers docker init-addr none`
  // With alias, the servers keep the Swarm names (<service>N, <service>-canaryN) but resolve the alias.
  const resolved = (suffix: string): string => (opts.alias ? `${opts.alias}${suffix}` : `tasks.${service}${suffix}`)
  const templates = opts.hosts
    ? opts.hosts.map((host) => template(host.replace(/[^a-zA-Z0-9_-]/g, '_'), host))
    : [template(service, resolved('')), template(`${service}-canary`, resolved('-canary')), ...(opts.includePreview ? [template(`${service}-preview`, resolved('-preview'))] : [])]
  const connections = { safe: [], always: ['    http-reuse always'], close: ['    option http-server-close'] }[opts.serverConnections ?? 'safe']
  return [
    'global',
    '    maxconn 4096',
    '    hard-stop-after 5s',
    ...(opts.logErrors ? ['    log stdout format raw local0'] : []),
    '',
    'defaults',
    '    mode http',
    ...(opts.logErrors ? ['    log global', '    option httplog', '    option dontlog-normal'] : []),
    '    timeout connect 2s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    timeout queue 5s',
    // With retries, also a request whose kept-alive server connection was closed before any answer came
    // back (`empty-response`): given an old task's address gone and a new one in the same DNS answer,
    // HAProxy moves the server to the new address and keeps reusing its idle connections to the old task,
    // which closes them when it is stopped; a request sent on one at that moment is sent again elsewhere.
    ...(retries > 0 ? [`    retries ${retries}`, '    option redispatch', '    retry-on conn-failure empty-response'] : ['    retries 0']),
    '    default-server inter 1s fall 2 rise 1',
    '',
    'resolvers docker',
    '    nameserver dns 127.0.0.11:53',
    '    resolve_retries 3',
    `    timeout resolve ${hold}`,
    // HAProxy asks again (resolve_retries times, `timeout retry` apart) before it acts on a name that no
    // longer resolves (NXDOMAIN): with its 1 s default, a removed companion (<service>-canary) was let go
    // 3–4 s after `docker service rm`, later than Swarm's stop signal (2 s after the DNS records go), and
    // requests sent over kept-alive connections to the stopping tasks failed. 250 ms: let go within ~2 s.
    '    timeout retry 250ms',
    `    hold valid ${hold}`,
    '    hold obsolete 0s',
    '    hold other 1s',
    '    hold refused 1s',
    // A name that stops resolving (a companion service removed) is let go at once, as a proxy that
    // routes by a shared alias never sees it: Swarm stops such tasks 2 s after their DNS records go.
    '    hold nx 0s',
    '    hold timeout 1s',
    '    accepted_payload_size 8192',
    '',
    'frontend web',
    '    bind :80',
    '    http-request set-path /cgi-bin/api if { path /api }',
    '    default_backend app',
    '',
    'frontend stats',
    '    bind :8404',
    '    http-request use-service prometheus-exporter if { path /metrics }',
    '    stats enable',
    '    stats uri /stats',
    '    stats show-legends',
    '    stats refresh 5s',
    '',
    'backend app',
    '    balance roundrobin',
    ...(opts.httpCheck ? [`    option httpchk GET ${opts.httpCheck}`] : []),
    ...connections,
    ...templates,
    ''
  ].join('\n')
}

export interface StartProxyOptions extends ProxyConfigOptions {
  /** The Swarm service to route to. */
  service: string
  /** Attachable overlay network the service's tasks are on. */
  network: string
  /** Host port on 127.0.0.1; default: a free port chosen by Docker. */
  hostPort?: number
  /** Container name; default uniqueName('zdd-proxy'). */
  name?: string
  /** Bound of the wait for the proxy to answer 200 on /version; default 45 s. */
  timeoutMs?: number
  /** Wait for 200 on /version (default true). */
  waitReady?: boolean
  /**
   * Register the proxy's exporter (stats port, /metrics) as a target of the test bed's Prometheus
   * (file .testbed/prometheus/targets/<name>.json, label proxy_name=<name>) and wait until it is up
   * (~5 s, in parallel with the wait for /version; see waitForScrapeTarget); stop() removes the target.
   * Default false.
   */
  scrape?: boolean
}

export interface Proxy {
  /** http://127.0.0.1:<port> */
  url: string
  /** http://127.0.0.1:<port> of HAProxy's stats (/stats) and Prometheus exporter (/metrics). */
  statsUrl: string
  containerId: string
  /** Container name; with scrape, also the `proxy_name` label of its series in Prometheus. */
  name: string
  /** Removes the scrape target (if any), then the container. */
  stop(): Promise<void>
}

/**
 * One server line of HAProxy's stats CSV as `name status check address` (columns 1, 17, 36, 73; the
 * address is only there with `stats show-legends`).
 */
function describeServer(csvLine: string): string {
  const f = csvLine.split(',')
  return [f[1], f[17], f[36], f[73]].join(' ')
}

/** Runs zdd-haproxy:local on `network` in front of `service`, published on 127.0.0.1. */
export async function startProxy(opts: StartProxyOptions): Promise<Proxy> {
  const name = opts.name ?? uniqueName('zdd-proxy')
  const container = await docker().createContainer({
    name,
    Image: PROXY_IMAGE,
    Labels: { ...TEST_LABELS },
    Env: [`HAPROXY_CONFIG=${proxyConfig(opts.service, opts)}`],
    ExposedPorts: { '80/tcp': {}, '8404/tcp': {} },
    HostConfig: {
      NetworkMode: opts.network,
      PortBindings: {
        '80/tcp': [{ HostIp: '127.0.0.1', HostPort: opts.hostPort ? String(opts.hostPort) : '' }],
        '8404/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }]
      }
    }
  })
  let scraped = false
  const stop = async (): Promise<void> => {
    if (scraped) {
      await removeScrapeTarget(name)
      scraped = false
    }
    try {
      await container.remove({ force: true, v: true })
    } catch (err) {
      if (statusCode(err) !== 404) throw err
    }
  }
  try {
    await container.start()
    const info = await container.inspect()
    const ports = info.NetworkSettings.Ports as Record<string, { HostIp: string; HostPort: string }[] | null>
    const hostPort = ports['80/tcp']?.[0]?.HostPort
    const statsPort = ports['8404/tcp']?.[0]?.HostPort
    if (!hostPort || !statsPort) throw new Error(`proxy ${name}: no published port (${JSON.stringify(ports)})`)
    const url = `http://127.0.0.1:${hostPort}`
    const scrapeAddress = `127.0.0.1:${statsPort}`
    if (opts.scrape) {
      // Registered at once: Prometheus picks it up while HAProxy resolves its servers (see below).
      scraped = true
      await addScrapeTarget(name, scrapeAddress, { proxy_name: name }, { wait: false })
    }
    if (opts.waitReady !== false) {
      await waitFor(
        `proxy ${name} to answer 200 on ${url}/version`,
        async () => {
          const state = (await container.inspect()).State
          if (!state.Running) {
            const logs = await container.logs({ stdout: true, stderr: true, tail: 20 })
            throw new Error(`proxy container exited (${state.ExitCode}): ${logs.toString()}`)
          }
          const res = await httpGet(`${url}/version`, 2_000)
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
          return res
        },
        { timeoutMs: opts.timeoutMs ?? 45_000, intervalMs: 250 }
      ).catch(async (err: Error) => {
        // Say what HAProxy saw of its servers (address, check status), so a failure here can be read.
        const stats = await httpGet(`http://127.0.0.1:${statsPort}/stats;csv`, 2_000).catch(() => undefined)
        const servers = (stats?.body ?? '')
          .split('\n')
          .filter((l) => l.startsWith('app,') && !/^app,(BACKEND|FRONTEND),/.test(l))
          .filter((l) => !l.split(',')[17]?.startsWith('MAINT (resolution)')) // unresolved slots: left out
          .map(describeServer)
        throw new Error(`${err.message}; HAProxy servers: ${servers.join(' | ') || 'none resolved'}`)
      })
    }
    if (opts.scrape) await waitForScrapeTarget(scrapeAddress, { proxy_name: name }, 30_000)
    return { url, statsUrl: `http://127.0.0.1:${statsPort}`, containerId: container.id, name, stop }
  } catch (err) {
    await stop().catch(() => undefined)
    throw err
  }
}
