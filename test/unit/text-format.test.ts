// The text exposition parser: what exporters really write, and the lines it must refuse.
import { describe, expect, it } from '@jest/globals'
import type { Sample } from '../../src/analysis/types.js'
import { MetricsError } from '../../src/gates/metrics-error.js'
import { parseSampleValue, parseTextFormat } from '../../src/gates/text-format.js'

describe('parseTextFormat', () => {
  const cases: [string, string, Sample[]][] = [
    ['an empty text', '', []],
    ['only blank lines and comments', '\n\n# HELP up Whether the target is up.\n# TYPE up gauge\n   \n', []],
    ['a name without labels', 'up 1\n', [{ name: 'up', labels: {}, value: 1 }]],
    ['a name with colons and underscores', 'job:http_requests:rate5m 3.5', [{ name: 'job:http_requests:rate5m', labels: {}, value: 3.5 }]],
    ['empty braces', 'up{} 0', [{ name: 'up', labels: {}, value: 0 }]],
    [
      'several labels, a trailing comma and blanks around tokens',
      'http_requests_total{ method = "post" ,code="200", } 1027',
      [{ name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027 }]
    ],
    ['a blank between the name and its labels', 'up {job="api"} 1', [{ name: 'up', labels: { job: 'api' }, value: 1 }]],
    [
      'escapes in a label value',
      String.raw`msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9`,
      [{ name: 'msdos_file_access_time_seconds', labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, value: 1.458255915e9 }]
    ],
    ['an unknown escape kept as written', String.raw`x{a="tab\there"} 1`, [{ name: 'x', labels: { a: String.raw`tab\there` }, value: 1 }]],
    ['braces, commas and # inside a label value', 'x{a="{b=1, c}#"} 2', [{ name: 'x', labels: { a: '{b=1, c}#' }, value: 2 }]],
    ['an empty label value', 'x{a=""} 2', [{ name: 'x', labels: { a: '' }, value: 2 }]],
    ['a label named __proto__ stays a label', 'x{__proto__="p"} 1', [{ name: 'x', labels: Object.fromEntries([['__proto__', 'p']]), value: 1 }]],
    ['a millisecond timestamp, dropped', 'http_requests_total{code="400"} 3 1395066363000', [{ name: 'http_requests_total', labels: { code: '400' }, value: 3 }]],
    ['an OpenMetrics float timestamp, dropped', 'x 3 1520879607.789', [{ name: 'x', labels: {}, value: 3 }]],
    ['a negative timestamp', 'x 3 -1', [{ name: 'x', labels: {}, value: 3 }]],
    ['tabs between tokens', 'x\t\t7\t1395066363000', [{ name: 'x', labels: {}, value: 7 }]],
    ['a negative value', 'x -0.5', [{ name: 'x', labels: {}, value: -0.5 }]],
    ['scientific notation', 'x 1.5e-3\ny 2E+10\nz -3e2', [
      { name: 'x', labels: {}, value: 0.0015 },
      { name: 'y', labels: {}, value: 2e10 },
      { name: 'z', labels: {}, value: -300 }
    ]],
    ['a value with a leading dot and a trailing dot', 'x .5\ny 5.', [
      { name: 'x', labels: {}, value: 0.5 },
      { name: 'y', labels: {}, value: 5 }
    ]],
    ['NaN and infinities', 'a NaN\nb +Inf\nc -Inf\nd Inf', [
      { name: 'a', labels: {}, value: NaN },
      { name: 'b', labels: {}, value: Infinity },
      { name: 'c', labels: {}, value: -Infinity },
      { name: 'd', labels: {}, value: Infinity }
    ]],
    ['CRLF line endings', '# TYPE up gauge\r\nup 1\r\ndown{a="b"} 0\r\n', [
      { name: 'up', labels: {}, value: 1 },
      { name: 'down', labels: { a: 'b' }, value: 0 }
    ]],
    ['leading and trailing blanks on a line', '  up 1  \n', [{ name: 'up', labels: {}, value: 1 }]],
    ['no newline at the end', 'a 1\nb 2', [
      { name: 'a', labels: {}, value: 1 },
      { name: 'b', labels: {}, value: 2 }
    ]],
    ['a histogram, lines as ordinary samples', [
      '# HELP http_request_duration_seconds A histogram of the request duration.',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.1"} 33444',
      'http_request_duration_seconds_bucket{le="+Inf"} 144320',
      'http_request_duration_seconds_sum 53423',
      'http_request_duration_seconds_count 144320'
    ].join('\n'), [
      { name: 'http_request_duration_seconds_bucket', labels: { le: '0.1' }, value: 33444 },
      { name: 'http_request_duration_seconds_bucket', labels: { le: '+Inf' }, value: 144320 },
      { name: 'http_request_duration_seconds_sum', labels: {}, value: 53423 },
      { name: 'http_request_duration_seconds_count', labels: {}, value: 144320 }
    ]],
    ['OpenMetrics: UNIT metadata, an exemplar and # EOF ending the text', [
      '# TYPE foo_seconds histogram',
      '# UNIT foo_seconds seconds',
      'foo_seconds_bucket{le="0.01"} 17 # {trace_id="oHg5SJYRHA0"} 0.0083 1520879607.789',
      'foo_seconds_count 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
      '# EOF',
      'after_eof 1'
    ].join('\n'), [
      { name: 'foo_seconds_bucket', labels: { le: '0.01' }, value: 17 },
      { name: 'foo_seconds_count', labels: {}, value: 17 }
    ]]
  ]

  it.each(cases)('reads %s', (_title, text, expected) => {
    expect(parseTextFormat(text)).toEqual(expected)
  })

  it('reads an excerpt of the HAProxy exporter', () => {
    const text = [
      '# HELP haproxy_process_uptime_seconds How long ago this worker process was started (seconds)',
      '# TYPE haproxy_process_uptime_seconds gauge',
      'haproxy_process_uptime_seconds 3127',
      '# HELP haproxy_backend_status Current status of the service, per state label value.',
      '# TYPE haproxy_backend_status gauge',
      'haproxy_backend_status{proxy="app",state="UP"} 1',
      'haproxy_backend_status{proxy="app",state="DOWN"} 0',
      '# HELP haproxy_server_http_responses_total Total number of HTTP responses.',
      '# TYPE haproxy_server_http_responses_total counter',
      'haproxy_server_http_responses_total{proxy="app",server="api1",code="1xx"} 0',
      'haproxy_server_http_responses_total{proxy="app",server="api1",code="2xx"} 4821',
      'haproxy_server_http_responses_total{proxy="app",server="api1",code="5xx"} 12',
      'haproxy_server_http_responses_total{proxy="app",server="api-canary1",code="2xx"} 310',
      'haproxy_server_http_responses_total{proxy="app",server="api-canary1",code="5xx"} 0',
      '# HELP haproxy_server_response_time_average_seconds Avg. response time for last 1024 successful connections.',
      '# TYPE haproxy_server_response_time_average_seconds gauge',
      'haproxy_server_response_time_average_seconds{proxy="app",server="api1"} 0.004000',
      'haproxy_server_response_time_average_seconds{proxy="app",server="api-canary1"} 0.011000',
      '# HELP haproxy_server_check_status Status of last health check, per state label value.',
      '# TYPE haproxy_server_check_status gauge',
      'haproxy_server_check_status{proxy="app",server="api1",state="HANA"} 0',
      ''
    ].join('\n')
    expect(parseTextFormat(text)).toEqual([
      { name: 'haproxy_process_uptime_seconds', labels: {}, value: 3127 },
      { name: 'haproxy_backend_status', labels: { proxy: 'app', state: 'UP' }, value: 1 },
      { name: 'haproxy_backend_status', labels: { proxy: 'app', state: 'DOWN' }, value: 0 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api1', code: '1xx' }, value: 0 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api1', code: '2xx' }, value: 4821 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api1', code: '5xx' }, value: 12 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api-canary1', code: '2xx' }, value: 310 },
      { name: 'haproxy_server_http_responses_total', labels: { proxy: 'app', server: 'api-canary1', code: '5xx' }, value: 0 },
      { name: 'haproxy_server_response_time_average_seconds', labels: { proxy: 'app', server: 'api1' }, value: 0.004 },
      { name: 'haproxy_server_response_time_average_seconds', labels: { proxy: 'app', server: 'api-canary1' }, value: 0.011 },
      { name: 'haproxy_server_check_status', labels: { proxy: 'app', server: 'api1', state: 'HANA' }, value: 0 }
    ])
  })

  const malformed: [string, string, string][] = [
    ['no value', 'up', 'line 1 of the metrics text is malformed (expected a value after the metric name): up'],
    ['no value after labels', 'up{job="a"}', 'line 1 of the metrics text is malformed (expected a value after the labels): up{job="a"}'],
    ['a value that is not a number', 'up yes', 'line 1 of the metrics text is malformed ("yes" is not a number): up yes'],
    ['a hex value', 'up 0x10', 'line 1 of the metrics text is malformed ("0x10" is not a number): up 0x10'],
    ['no metric name', '{job="a"} 1', 'line 1 of the metrics text is malformed (expected a metric name): {job="a"} 1'],
    ['a name starting with a digit', '1up 1', 'line 1 of the metrics text is malformed (expected a metric name): 1up 1'],
    ['a character the name cannot have', 'up-time 1', 'line 1 of the metrics text is malformed (expected a blank after the metric name): up-time 1'],
    ['a bad timestamp', 'up 1 later', 'line 1 of the metrics text is malformed ("later" is not a timestamp): up 1 later'],
    ['an infinite timestamp', 'up 1 +Inf', 'line 1 of the metrics text is malformed ("+Inf" is not a timestamp): up 1 +Inf'],
    ['text after the timestamp', 'up 1 1000 extra words', 'line 1 of the metrics text is malformed (unexpected "extra words" after the timestamp): up 1 1000 extra words'],
    ['unclosed labels', 'up{job="a"', 'line 1 of the metrics text is malformed (expected "," or "}" after the label "job"): up{job="a"'],
    ['labels cut after a comma', 'up{job="a",', 'line 1 of the metrics text is malformed (the labels are not closed): up{job="a",'],
    ['an unclosed label value', 'up{job="a} 1', 'line 1 of the metrics text is malformed (the value of the label "job" is not closed): up{job="a} 1'],
    ['a backslash ending the line', 'up{job="a\\', 'line 1 of the metrics text is malformed (the value of the label "job" is not closed): up{job="a\\'],
    ['an unquoted label value', 'up{job=a} 1', 'line 1 of the metrics text is malformed (expected a quoted value for the label "job"): up{job=a} 1'],
    ['a label without =', 'up{job} 1', 'line 1 of the metrics text is malformed (expected "=" after the label "job"): up{job} 1'],
    ['a bad label name', 'up{job="a",2x="b"} 1', 'line 1 of the metrics text is malformed (expected a label name at column 12): up{job="a",2x="b"} 1'],
    ['a repeated label', 'up{a="1",a="2"} 1', 'line 1 of the metrics text is malformed (the label "a" appears twice): up{a="1",a="2"} 1'],
    ['a missing comma', 'up{a="1" b="2"} 1', 'line 1 of the metrics text is malformed (expected "," or "}" after the label "a"): up{a="1" b="2"} 1']
  ]

  it.each(malformed)('refuses %s', (_title, text, message) => {
    expect(() => parseTextFormat(text)).toThrow(new MetricsError(message))
  })

  it('names the line number, counting blank and comment lines, with CRLF endings', () => {
    const text = '# TYPE up gauge\r\n\r\nup 1\r\nup{job="a"} one\r\n'
    expect(() => parseTextFormat(text)).toThrow(
      new MetricsError('line 4 of the metrics text is malformed ("one" is not a number): up{job="a"} one')
    )
  })

  it('throws a MetricsError', () => {
    expect(() => parseTextFormat('<html>')).toThrow(MetricsError)
  })

  it('cuts a long line at 120 characters in the message', () => {
    const line = `x{a="${'v'.repeat(200)}"} nope`
    expect(() => parseTextFormat(line)).toThrow(
      new MetricsError(`line 1 of the metrics text is malformed ("nope" is not a number): ${line.slice(0, 120)}…`)
    )
  })

  it('shows a line of exactly 120 characters whole', () => {
    const line = `x ${'9'.repeat(117)}z`
    expect(line).toHaveLength(120)
    expect(() => parseTextFormat(line)).toThrow(
      new MetricsError(`line 1 of the metrics text is malformed (${JSON.stringify(line.slice(2))} is not a number): ${line}`)
    )
  })
})

describe('parseSampleValue', () => {
  it.each([
    ['1', 1],
    ['-2.5', -2.5],
    ['1e3', 1000],
    ['NaN', NaN],
    ['nan', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['+infinity', Infinity]
  ])('reads %s', (text, expected) => {
    expect(parseSampleValue(text)).toBe(expected)
  })

  it.each(['', ' 1', '1 ', '1,5', '0x10', '1_000', 'e3', '--1', 'Infinite'])('refuses %j', (text) => {
    expect(parseSampleValue(text)).toBeUndefined()
  })
})
