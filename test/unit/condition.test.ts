import { describe, expect, it } from '@jest/globals'
import {
  ConditionError,
  conditionCalls,
  describeCondition,
  evaluateQuery,
  evaluateScrape,
  formatValue,
  parseCondition,
  type ConditionMode
} from '../../src/analysis/condition.js'
import type { Evaluation, Sample, ScrapeWindow, Series } from '../../src/analysis/types.js'

describe('parseCondition: errors', () => {
  const rows: Array<[string, ConditionMode, string]> = [
    ['', 'query', 'empty condition'],
    ['   ', 'scrape', 'empty condition'],
    ['result < 0.01)', 'query', "unexpected ')' at character 14"],
    ['result', 'query', "expected an operator (<, <=, >, >=, ==, !=) after 'result' at character 7"],
    ['result = 1', 'query', "expected an operator (<, <=, >, >=, ==, !=) after 'result' at character 8, got '='"],
    ['ratio(a, b) 0.01', 'scrape', "expected an operator (<, <=, >, >=, ==, !=) after 'ratio(a, b)' at character 13, got '0.01'"],
    ['sum(x) < 1', 'scrape', "unknown function 'sum' (known: increase, rate, ratio, quantile, value)"],
    ['increase(x) < 1', 'query', 'functions like increase() apply to metrics-url; with prometheus-url write them in metrics-query'],
    [
      'result < 1',
      'scrape',
      "'result' at character 1 needs prometheus-url and metrics-query; with metrics-url use increase(), rate(), ratio(), quantile() or value()"
    ],
    ['1 < 2', 'query', "'1 < 2' at character 1 compares two numbers; one side must be result"],
    ['value(x) > 0 or (1 < 2)', 'scrape', "'1 < 2' at character 18 compares two numbers; one side must be a function such as ratio() or value()"],
    ['quantile(1.5, h) < 1', 'scrape', 'quantile must be between 0 and 1, got 1.5'],
    ['quantile(-0.5, h) < 1', 'scrape', 'quantile must be between 0 and 1, got -0.5'],
    ['quantile(h, 0.5) < 1', 'scrape', "unexpected 'h' at character 10; expected a number, the quantile, as in quantile(0.99, histogram)"],
    ['value(x{code=~"(5"}) > 0', 'scrape', `invalid regex "(5" for label 'code' at character 15: Unterminated group`],
    ['value(x{code=~"a)|(b"}) > 0', 'scrape', `invalid regex "a)|(b" for label 'code' at character 15: Unmatched ')'`],
    ['result < 0.01 and', 'query', 'unexpected end of condition at character 18; expected a number or result'],
    ['up > 0', 'query', "unexpected 'up' at character 1; expected a number or result"],
    ['http_requests_total > 0', 'scrape', "unexpected 'http_requests_total' at character 1; expected a number or a function such as value(http_requests_total)"],
    ['ratio(a) < 0.01', 'scrape', "unexpected ')' at character 8; expected ',' between ratio()'s two selectors, as in ratio(errors, total)"],
    ['rate(a, b) > 1', 'scrape', "unexpected ',' at character 7; expected ')' to close rate()"],
    ['value(x{code="5\\n"}) > 0', 'scrape', `unsupported escape '\\n' at character 16 (only \\" and \\\\)`],
    ['value(x{code="5) > 0', 'scrape', 'unterminated string starting at character 14'],
    ['result < 0.01 $', 'query', "unexpected character '$' at character 15"],
    ['quantile(0.9, h{le="1"}) < 1', 'scrape', 'quantile() groups buckets by le itself; remove the le matcher at character 17'],
    ['value(x{a:b="1"}) > 0', 'scrape', "invalid label name 'a:b' at character 9"],
    ['value(x{code=="5"}) > 0', 'scrape', "unexpected '==' at character 13; expected =, !=, =~ or !~ after label 'code'"],
    ['value(x{code=5}) > 0', 'scrape', "unexpected '5' at character 14; expected a double-quoted string"],
    ['value(x{code="5" job="a"}) > 0', 'scrape', "unexpected 'job' at character 18; expected ',' or '}'"],
    ['value({code="5"}) > 0', 'scrape', "unexpected '{' at character 7; expected a metric name in value()"],
    ['(result < 1', 'query', "unexpected end of condition at character 12; expected ')'"],
    ['result < 1 < 2', 'query', "unexpected '<' at character 12"],
    ['result < 5m', 'query', "unexpected 'm' at character 11"]
  ]
  it.each(rows)('%j (%s) → %s', (text, mode, message) => {
    let thrown: unknown
    try {
      parseCondition(text, mode)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConditionError)
    expect((thrown as Error).message).toBe(message)
  })
})

describe('parseCondition: canonical text', () => {
  const rows: Array<[string, ConditionMode, string]> = [
    ['result<0.01', 'query', 'result < 0.01'],
    ['  result   >=  5 ', 'query', 'result >= 5'],
    ['result < 1e-3', 'query', 'result < 0.001'],
    ['result > .5', 'query', 'result > 0.5'],
    ['result > -1', 'query', 'result > -1'],
    ['result < 0.01 && result > 0 || not (result == 5)', 'query', 'result < 0.01 and result > 0 or not result == 5'],
    ['result < 1 AND result > 0 OR NOT result != 3', 'query', 'result < 1 and result > 0 or not result != 3'],
    ['not (result < 1 or result > 2)', 'query', 'not (result < 1 or result > 2)'],
    ['result < 1 and (result > 0 or result == 5)', 'query', 'result < 1 and (result > 0 or result == 5)'],
    ['(result < 1 and result > 0) and result != 3', 'query', 'result < 1 and result > 0 and result != 3'],
    ['result < 1 or (result > 2 or result == 0)', 'query', 'result < 1 or (result > 2 or result == 0)'],
    ['((result < 1))', 'query', 'result < 1'],
    ['ratio( http_requests_total{ code =~ "5..", } , http_requests_total ) < 0.01', 'scrape', 'ratio(http_requests_total{code=~"5.."}, http_requests_total) < 0.01'],
    ['quantile(0.99,h{job="api",path!~"/health"})<=0.5', 'scrape', 'quantile(0.99, h{job="api",path!~"/health"}) <= 0.5'],
    ['value(x{a="q\\"uote\\\\"}) > 0', 'scrape', 'value(x{a="q\\"uote\\\\"}) > 0'],
    ['rate(x{}) > 1', 'scrape', 'rate(x) > 1'],
    ['0.5 > increase(and)', 'scrape', '0.5 > increase(and)'],
    ['value(ns:metric:sum) != 0', 'scrape', 'value(ns:metric:sum) != 0']
  ]
  it.each(rows)('%j (%s) reads as %j', (text, mode, canonical) => {
    const condition = parseCondition(text, mode)
    expect(describeCondition(condition)).toBe(canonical)
    expect(parseCondition(canonical, mode)).toEqual(condition)
  })

  it('is a plain tree', () => {
    expect(parseCondition('not result < 1 and result > -0', 'query')).toEqual({
      mode: 'query',
      expr: {
        kind: 'and',
        left: { kind: 'not', operand: { kind: 'compare', op: '<', left: { kind: 'result' }, right: { kind: 'number', value: 1 } } },
        right: { kind: 'compare', op: '>', left: { kind: 'result' }, right: { kind: 'number', value: 0 } }
      }
    })
  })
})

describe('conditionCalls', () => {
  const rows: Array<[string, ConditionMode, string[]]> = [
    ['result < 0.01', 'query', []],
    ['ratio(a{code=~"5.."},a) < 0.01 and increase(a) > 10 and ratio(a{code=~"5.."}, a) >= 0', 'scrape', ['ratio(a{code=~"5.."}, a)', 'increase(a)']],
    ['quantile(0.5, h) < value(limit)', 'scrape', ['quantile(0.5, h)', 'value(limit)']]
  ]
  it.each(rows)('%j (%s)', (text, mode, calls) => {
    expect(conditionCalls(parseCondition(text, mode))).toEqual(calls)
  })
})

describe('formatValue', () => {
  const rows: Array<[number, string]> = [
    [0.12, '0.1200'],
    [0, '0.0000'],
    [250, '250.0000'],
    [0.0005, '5.00e-4'],
    [-0.0005, '-5.00e-4'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf']
  ]
  it.each(rows)('%d → %s', (value, text) => {
    expect(formatValue(value)).toBe(text)
  })
})

describe('evaluateQuery', () => {
  const one = (value: number): Series[] => [{ labels: {}, value }]
  const rows: Array<[string, string, Series[], Evaluation]> = [
    ['one value under the limit', 'result < 0.01', one(0.004), { outcome: 'pass', values: { result: 0.004 }, detail: 'result = 0.0040 (condition result < 0.01: pass)' }],
    ['one value over the limit', 'result < 0.01', one(0.02), { outcome: 'fail', values: { result: 0.02 }, detail: 'result = 0.0200 (condition result < 0.01: fail)' }],
    ['equal is not below', 'result < 0.01', one(0.01), { outcome: 'fail', values: { result: 0.01 }, detail: 'result = 0.0100 (condition result < 0.01: fail)' }],
    ['a tiny value', 'result <= 0.001', one(0.0005), { outcome: 'pass', values: { result: 0.0005 }, detail: 'result = 5.00e-4 (condition result <= 0.001: pass)' }],
    ['and', 'result > 0 and result < 1', one(0.5), { outcome: 'pass', values: { result: 0.5 }, detail: 'result = 0.5000 (condition result > 0 and result < 1: pass)' }],
    ['not', 'not result < 1', one(0.5), { outcome: 'fail', values: { result: 0.5 }, detail: 'result = 0.5000 (condition not result < 1: fail)' }],
    ['or', 'result == 0 or result > 10', one(0), { outcome: 'pass', values: { result: 0 }, detail: 'result = 0.0000 (condition result == 0 or result > 10: pass)' }],
    [
      'one labelled series, labels sorted',
      'result != 1',
      [{ labels: { z: '1', a: 'x"y' }, value: 2 }],
      { outcome: 'pass', values: { 'result{a="x\\"y",z="1"}': 2 }, detail: 'result{a="x\\"y",z="1"} = 2.0000 (condition result != 1: pass)' }
    ],
    [
      'every series must pass',
      'result < 0.01',
      [
        { labels: { server: 'a' }, value: 0.004 },
        { labels: { server: 'b' }, value: 0.02 }
      ],
      {
        outcome: 'fail',
        values: { 'result{server="a"}': 0.004, 'result{server="b"}': 0.02 },
        detail: 'result{server="a"} = 0.0040, result{server="b"} = 0.0200 (condition result < 0.01: fail for result{server="b"})'
      }
    ],
    [
      'all series pass',
      'result < 0.01',
      [
        { labels: { server: 'a' }, value: 0.004 },
        { labels: { server: 'b' }, value: 0.005 }
      ],
      {
        outcome: 'pass',
        values: { 'result{server="a"}': 0.004, 'result{server="b"}': 0.005 },
        detail: 'result{server="a"} = 0.0040, result{server="b"} = 0.0050 (condition result < 0.01: pass)'
      }
    ],
    ['no series', 'result < 0.01', [], { outcome: 'no-data', values: {}, detail: 'the query returned no data' }],
    ['NaN (0/0 in PromQL)', 'result < 0.01', one(NaN), { outcome: 'no-data', values: {}, detail: 'the query returned NaN for result' }],
    [
      '+Inf in one series',
      'result < 0.01',
      [
        { labels: { server: 'a' }, value: 0.004 },
        { labels: { server: 'b' }, value: Infinity }
      ],
      { outcome: 'no-data', values: { 'result{server="a"}': 0.004 }, detail: 'the query returned +Inf for result{server="b"}' }
    ]
  ]
  it.each(rows)('%s: %s', (_name, text, series, expected) => {
    expect(evaluateQuery(parseCondition(text, 'query'), series)).toEqual(expected)
  })

  it('refuses a condition parsed for a scrape', () => {
    expect(() => evaluateQuery(parseCondition('value(x) > 0', 'scrape'), [])).toThrow('evaluateQuery needs a condition parsed for a Prometheus query')
  })
})

const s = (name: string, labels: Record<string, string>, value: number): Sample => ({ name, labels, value })
const requests = (code: string, value: number): Sample => s('http_requests_total', { code }, value)
const bucket = (le: string, value: number, instance = 'a'): Sample => s('h_bucket', { instance, le }, value)
const window = (start: Sample[], end: Sample[], seconds = 60): ScrapeWindow => ({ start, end, seconds })

const ERRORS = 'ratio(http_requests_total{code=~"5.."}, http_requests_total)'
const TRAFFIC = window([requests('200', 100), requests('500', 5)], [requests('200', 190), requests('500', 15)])
const HISTOGRAM = window(
  [bucket('0.1', 10), bucket('0.5', 20), bucket('1', 25), bucket('+Inf', 30)],
  [bucket('0.1', 50), bucket('0.5', 80), bucket('1', 95), bucket('+Inf', 100)]
)
const GAUGES = window([], [s('g', { state: 'ready' }, 3), s('g', { state: 'not_ready' }, 1)])

describe('evaluateScrape', () => {
  // Each row: condition, window, outcome, values, detail.
  const rows: Array<[string, string, ScrapeWindow, Evaluation['outcome'], Record<string, number>, string]> = [
    [
      'increase sums the series',
      'increase(http_requests_total) > 50',
      TRAFFIC,
      'pass',
      { 'increase(http_requests_total)': 100 },
      'increase(http_requests_total) = 100.0000 (condition increase(http_requests_total) > 50: pass)'
    ],
    ['rate divides by the window', 'rate(http_requests_total) > 2', TRAFFIC, 'fail', { 'rate(http_requests_total)': 100 / 60 }, 'rate(http_requests_total) = 1.6667 (condition rate(http_requests_total) > 2: fail)'],
    ['ratio of errors', `${ERRORS} < 0.01`, TRAFFIC, 'fail', { [ERRORS]: 0.1 }, `${ERRORS} = 0.1000 (condition ${ERRORS} < 0.01: fail)`],
    [
      'counter reset: the end value counts',
      `${ERRORS} < 0.1`,
      window([requests('200', 1000), requests('500', 5)], [requests('200', 40), requests('500', 7)]),
      'pass',
      { [ERRORS]: 2 / 42 },
      `${ERRORS} = 0.0476 (condition ${ERRORS} < 0.1: pass)`
    ],
    [
      'a series appearing in the window counts from zero',
      `${ERRORS} < 0.01`,
      window([requests('200', 100)], [requests('200', 150), requests('503', 4)]),
      'fail',
      { [ERRORS]: 4 / 54 },
      `${ERRORS} = 0.0741 (condition ${ERRORS} < 0.01: fail)`
    ],
    [
      'no error series yet: nothing counted, ratio 0',
      `${ERRORS} < 0.01`,
      window([requests('200', 100)], [requests('200', 190)]),
      'pass',
      { [ERRORS]: 0 },
      `${ERRORS} = 0.0000 (condition ${ERRORS} < 0.01: pass)`
    ],
    [
      'ratio over zero traffic',
      `${ERRORS} < 0.01`,
      window([requests('200', 100), requests('500', 5)], [requests('200', 100), requests('500', 5)]),
      'no-data',
      {},
      `${ERRORS}: no traffic in the window (increase(http_requests_total) = 0)`
    ],
    ['regex matchers are anchored', 'value(g{state=~"ready"}) == 3', GAUGES, 'pass', { 'value(g{state=~"ready"})': 3 }, 'value(g{state=~"ready"}) = 3.0000 (condition value(g{state=~"ready"}) == 3: pass)'],
    ['an unanchored pattern must say so', 'value(g{state=~".*ready"}) == 4', GAUGES, 'pass', { 'value(g{state=~".*ready"})': 4 }, 'value(g{state=~".*ready"}) = 4.0000 (condition value(g{state=~".*ready"}) == 4: pass)'],
    ['negative regex', 'value(g{state!~"not_.*"}) == 3', GAUGES, 'pass', { 'value(g{state!~"not_.*"})': 3 }, 'value(g{state!~"not_.*"}) = 3.0000 (condition value(g{state!~"not_.*"}) == 3: pass)'],
    ['not equal', 'value(g{state!="ready"}) == 1', GAUGES, 'pass', { 'value(g{state!="ready"})': 1 }, 'value(g{state!="ready"}) = 1.0000 (condition value(g{state!="ready"}) == 1: pass)'],
    ['a missing label reads as empty', 'value(g{zone=""}) == 4', GAUGES, 'pass', { 'value(g{zone=""})': 4 }, 'value(g{zone=""}) = 4.0000 (condition value(g{zone=""}) == 4: pass)'],
    ['no series match a gauge', 'value(haproxy_x{proxy="api"}) > 0', GAUGES, 'no-data', {}, 'no series match haproxy_x{proxy="api"}'],
    ['no series match a gauge with the right name', 'value(g{state="gone"}) > 0', GAUGES, 'no-data', {}, 'no series match g{state="gone"}'],
    ['a counter absent from the endpoint', 'increase(nope_total) < 1', TRAFFIC, 'no-data', {}, 'no series match nope_total'],
    ['a ratio over an absent counter', 'ratio(nope_total, http_requests_total) < 1', TRAFFIC, 'no-data', {}, 'no series match nope_total'],
    ['a NaN gauge', 'value(g) < 1', window([], [s('g', {}, NaN)]), 'no-data', {}, 'value(g) is NaN'],
    ['a window of no length', 'rate(g) < 1', window([], [s('g', {}, 1)], 0), 'no-data', {}, 'rate(g): the window has no length'],
    [
      'several calls',
      `${ERRORS} < 0.2 and increase(http_requests_total) > 50`,
      TRAFFIC,
      'pass',
      { [ERRORS]: 0.1, 'increase(http_requests_total)': 100 },
      `${ERRORS} = 0.1000, increase(http_requests_total) = 100.0000 (condition ${ERRORS} < 0.2 and increase(http_requests_total) > 50: pass)`
    ],
    [
      'one call without data makes the reading no data',
      `${ERRORS} < 0.2 or value(missing) > 0`,
      TRAFFIC,
      'no-data',
      { [ERRORS]: 0.1 },
      'no series match missing'
    ],
    // Bucket increases 40, 60, 70, 70 over le 0.1, 0.5, 1, +Inf: rank 35 in (0, 0.1] → 0.1 × 35/40.
    ['quantile: median in the first bucket', 'quantile(0.5, h) < 0.1', HISTOGRAM, 'pass', { 'quantile(0.5, h)': 0.1 * (35 / 40) }, 'quantile(0.5, h) = 0.0875 (condition quantile(0.5, h) < 0.1: pass)'],
    // rank 63 in (0.5, 1] with 60 below and 10 inside → 0.5 + 0.5 × 3/10.
    ['quantile: p90 interpolated', 'quantile(0.9, h) < 0.5', HISTOGRAM, 'fail', { 'quantile(0.9, h)': 0.65 }, 'quantile(0.9, h) = 0.6500 (condition quantile(0.9, h) < 0.5: fail)']
  ]
  it.each(rows)('%s: %s', (_name, text, w, outcome, values, detail) => {
    const evaluation = evaluateScrape(parseCondition(text, 'scrape'), w)
    expect(evaluation).toEqual({ outcome, values, detail })
  })

  // Quantiles through the whole path: buckets selected, increased, summed by le, interpolated.
  const quantiles: Array<[string, string, ScrapeWindow, number | string]> = [
    ['p99 (hand: 0.5 + 0.5 × 9.3/10)', 'quantile(0.99, h)', HISTOGRAM, 0.965],
    ['p100 is the top of the last finite bucket reached', 'quantile(1, h)', HISTOGRAM, 1],
    [
      'two instances summed by le (a: 40,60,70,70; b: 0,0,10,10 → 40,60,80,80; rank 40 → 0.1)',
      'quantile(0.5, h)',
      window(HISTOGRAM.start, [...HISTOGRAM.end, bucket('0.1', 0, 'b'), bucket('0.5', 0, 'b'), bucket('1', 10, 'b'), bucket('+Inf', 10, 'b')]),
      0.1
    ],
    [
      'a label matcher picks one instance (b: rank 5 in (0.5, 1] → 0.5 + 0.5 × 5/10)',
      'quantile(0.5, h{instance="b"})',
      window(HISTOGRAM.start, [...HISTOGRAM.end, bucket('0.1', 0, 'b'), bucket('0.5', 0, 'b'), bucket('1', 10, 'b'), bucket('+Inf', 10, 'b')]),
      0.75
    ],
    [
      'in the +Inf bucket: the previous upper bound (increases 1, 2, 3, 10)',
      'quantile(0.5, h)',
      window([], [bucket('0.1', 1), bucket('0.5', 2), bucket('1', 3), bucket('+Inf', 10)]),
      1
    ],
    [
      'a counter reset in the buckets (end values 4, 8, 8, 8 count whole; rank 4 → 0.1)',
      'quantile(0.5, h)',
      window(HISTOGRAM.start, [bucket('0.1', 4), bucket('0.5', 8), bucket('1', 8), bucket('+Inf', 8)]),
      0.1
    ],
    ['no observations in the window', 'quantile(0.5, h)', window(HISTOGRAM.start, HISTOGRAM.start), 'quantile(0.5, h): no observations in the window'],
    ['no bucket series', 'quantile(0.5, latency)', HISTOGRAM, 'no series match latency_bucket'],
    [
      'no +Inf bucket',
      'quantile(0.5, h)',
      window([], [bucket('0.1', 1), bucket('1', 3)]),
      'quantile(0.5, h): h_bucket has no le="+Inf" bucket'
    ]
  ]
  it.each(quantiles)('quantile: %s', (_name, call, w, expected) => {
    const evaluation = evaluateScrape(parseCondition(`${call} < 100`, 'scrape'), w)
    if (typeof expected === 'string') {
      expect(evaluation).toEqual({ outcome: 'no-data', values: {}, detail: expected })
    } else {
      expect(evaluation.outcome).toBe('pass')
      expect(evaluation.values[call]).toBeCloseTo(expected, 12)
    }
  })

  it('refuses a condition parsed for a query', () => {
    expect(() => evaluateScrape(parseCondition('result > 0', 'query'), TRAFFIC)).toThrow('evaluateScrape needs a condition parsed for a scraped endpoint')
  })
})
