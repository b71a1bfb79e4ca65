// The success-condition language, parsed once when the inputs are read so that a typo fails the run
// before anything is deployed. The tree is plain data: describeCondition prints it back canonically.
import { anchoredRegex, formatSelector } from './scrape-window.js'
import type { Call, ComparisonOp, Condition, ConditionMode, Expr, LabelMatcher, Operand, Selector } from './types.js'

export type { Call, ComparisonOp, Condition, ConditionMode, Expr, Operand }

/** A condition that cannot be parsed; the message says what is wrong and at which character. */
export class ConditionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConditionError'
  }
}

export const FUNCTIONS = ['increase', 'rate', 'ratio', 'quantile', 'value'] as const
const COMPARISONS: readonly string[] = ['<', '<=', '>', '>=', '==', '!=']
const MATCH_OPS: readonly string[] = ['=', '!=', '=~', '!~']

interface Token {
  kind: 'number' | 'ident' | 'string' | 'symbol' | 'end'
  /** Source text (a string token's decoded value is in `value`). */
  text: string
  value: string
  /** 0-based offset in the condition. */
  at: number
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
// Longest first, so that `<=` is not read as `<` then `=`.
const SYMBOLS = ['<=', '>=', '==', '!=', '=~', '!~', '&&', '||', '<', '>', '=', '(', ')', '{', '}', ',', '-']

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    NUMBER.lastIndex = i
    IDENT.lastIndex = i
    const number = NUMBER.exec(text)
    const ident = number ? null : IDENT.exec(text)
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i))
    if (number) tokens.push({ kind: 'number', text: number[0], value: number[0], at: i })
    else if (ident) tokens.push({ kind: 'ident', text: ident[0], value: ident[0], at: i })
    else if (c === '"') tokens.push(readString(text, i))
    else if (symbol) tokens.push({ kind: 'symbol', text: symbol, value: symbol, at: i })
    else throw new ConditionError(`unexpected character '${c}' at character ${i + 1}`)
    i += tokens[tokens.length - 1].text.length
  }
  tokens.push({ kind: 'end', text: '', value: '', at: text.length })
  return tokens
}

/** A double-quoted string; the only escapes are \" and \\. */
function readString(text: string, from: number): Token {
  let value = ''
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i]
    if (c === '"') return { kind: 'string', text: text.slice(from, i + 1), value, at: from }
    if (c === '\\') {
      const next = text[i + 1]
      if (next !== '"' && next !== '\\') {
        throw new ConditionError(`unsupported escape '\\${next ?? ''}' at character ${i + 1} (only \\" and \\\\)`)
      }
      value += next
      i++
    } else value += c
  }
  throw new ConditionError(`unterminated string starting at character ${from + 1}`)
}

/** Parses a condition; throws ConditionError naming what is wrong and where. */
export function parseCondition(text: string, mode: ConditionMode): Condition {
  if (text.trim() === '') throw new ConditionError('empty condition')
  return { mode, expr: new Parser(tokenize(text), mode).parse() }
}

class Parser {
  private i = 0
  constructor(
    private readonly tokens: Token[],
    private readonly mode: ConditionMode
  ) {}

  parse(): Expr {
    const expr = this.or()
    if (this.peek().kind !== 'end') throw new ConditionError(`unexpected ${show(this.peek())} at character ${this.peek().at + 1}`)
    return expr
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]
  }

  private next(): Token {
    const t = this.peek()
    if (t.kind !== 'end') this.i++
    return t
  }

  private isKeyword(word: string, symbol: string): boolean {
    const t = this.peek()
    return (t.kind === 'ident' && t.text.toLowerCase() === word) || (t.kind === 'symbol' && t.text === symbol)
  }

  private unexpected(t: Token, expected: string): ConditionError {
    return new ConditionError(`unexpected ${show(t)} at character ${t.at + 1}; expected ${expected}`)
  }

  private expectSymbol(symbol: string, expected: string): Token {
    const t = this.next()
    if (t.kind !== 'symbol' || t.text !== symbol) throw this.unexpected(t, expected)
    return t
  }

  private or(): Expr {
    let left = this.and()
    while (this.isKeyword('or', '||')) {
      this.next()
      left = { kind: 'or', left, right: this.and() }
    }
    return left
  }

  private and(): Expr {
    let left = this.unary()
    while (this.isKeyword('and', '&&')) {
      this.next()
      left = { kind: 'and', left, right: this.unary() }
    }
    return left
  }

  private unary(): Expr {
    const t = this.peek()
    if (t.kind === 'ident' && t.text.toLowerCase() === 'not') {
      this.next()
      return { kind: 'not', operand: this.unary() }
    }
    if (t.kind === 'symbol' && t.text === '(') {
      this.next()
      const inner = this.or()
      this.expectSymbol(')', "')'")
      return inner
    }
    return this.comparison()
  }

  private comparison(): Expr {
    const first = this.peek()
    const left = this.operand()
    const t = this.next()
    if (t.kind !== 'symbol' || !COMPARISONS.includes(t.text)) {
      const got = t.kind === 'end' ? '' : `, got ${show(t)}`
      throw new ConditionError(`expected an operator (<, <=, >, >=, ==, !=) after '${describeOperand(left)}' at character ${t.at + 1}${got}`)
    }
    const right = this.operand()
    const compare: Expr = { kind: 'compare', op: t.text as ComparisonOp, left, right }
    // A comparison of two numbers is constant: it would pass or fail whatever the metrics say.
    if (left.kind === 'number' && right.kind === 'number') {
      const data = this.mode === 'query' ? 'result' : 'a function such as ratio() or value()'
      throw new ConditionError(`'${describeExpr(compare)}' at character ${first.at + 1} compares two numbers; one side must be ${data}`)
    }
    return compare
  }

  private operand(): Operand {
    const t = this.peek()
    if (t.kind === 'number' || (t.kind === 'symbol' && t.text === '-')) return { kind: 'number', value: this.number('a number') }
    if (t.kind === 'ident' && this.peek(1).kind === 'symbol' && this.peek(1).text === '(') {
      if (this.mode === 'query') {
        throw new ConditionError(`functions like ${t.text}() apply to metrics-url; with prometheus-url write them in metrics-query`)
      }
      return { kind: 'call', call: this.call() }
    }
    if (t.kind === 'ident' && t.text === 'result') {
      if (this.mode === 'scrape') {
        throw new ConditionError(
          `'result' at character ${t.at + 1} needs prometheus-url and metrics-query; with metrics-url use increase(), rate(), ratio(), quantile() or value()`
        )
      }
      this.next()
      return { kind: 'result' }
    }
    if (this.mode === 'query') throw this.unexpected(t, 'a number or result')
    const hint = t.kind === 'ident' ? ` such as value(${t.text})` : ''
    throw this.unexpected(t, `a number or a function${hint}`)
  }

  /** A number literal, optionally negative. `0 - n` keeps -0 out of the tree. */
  private number(expected: string): number {
    const t = this.next()
    const negative = t.kind === 'symbol' && t.text === '-'
    const digits = negative ? this.next() : t
    if (digits.kind !== 'number') throw this.unexpected(digits, expected)
    const value = Number(digits.text)
    return negative ? 0 - value : value
  }

  private call(): Call {
    const name = this.next()
    const fn = FUNCTIONS.find((f) => f === name.text)
    if (!fn) throw new ConditionError(`unknown function '${name.text}' (known: ${FUNCTIONS.join(', ')})`)
    this.next() // '('
    let call: Call
    if (fn === 'ratio') {
      const numerator = this.selector(fn)
      this.expectSymbol(',', "',' between ratio()'s two selectors, as in ratio(errors, total)")
      call = { fn, numerator, denominator: this.selector(fn) }
    } else if (fn === 'quantile') {
      const q = this.number('a number, the quantile, as in quantile(0.99, histogram)')
      if (!(q >= 0 && q <= 1)) throw new ConditionError(`quantile must be between 0 and 1, got ${q}`)
      this.expectSymbol(',', "',' after the quantile, as in quantile(0.99, histogram)")
      call = { fn, q, selector: this.selector(fn) }
    } else {
      call = { fn, selector: this.selector(fn) }
    }
    this.expectSymbol(')', `')' to close ${fn}()`)
    return call
  }

  private selector(fn: string): Selector {
    const name = this.next()
    if (name.kind !== 'ident') throw this.unexpected(name, `a metric name in ${fn}()`)
    const matchers: LabelMatcher[] = []
    if (this.peek().kind === 'symbol' && this.peek().text === '{') {
      this.next()
      while (!(this.peek().kind === 'symbol' && this.peek().text === '}')) {
        matchers.push(this.matcher(fn))
        const sep = this.peek()
        if (sep.kind === 'symbol' && sep.text === ',') this.next()
        else if (!(sep.kind === 'symbol' && sep.text === '}')) throw this.unexpected(sep, "',' or '}'")
      }
      this.next()
    }
    return { name: name.text, matchers }
  }

  private matcher(fn: string): LabelMatcher {
    const label = this.next()
    if (label.kind !== 'ident') throw this.unexpected(label, "a label name or '}'")
    if (!LABEL_NAME.test(label.text)) throw new ConditionError(`invalid label name '${label.text}' at character ${label.at + 1}`)
    if (fn === 'quantile' && label.text === 'le') {
      throw new ConditionError(`quantile() groups buckets by le itself; remove the le matcher at character ${label.at + 1}`)
    }
    const op = this.next()
    if (op.kind !== 'symbol' || !MATCH_OPS.includes(op.text)) throw this.unexpected(op, `=, !=, =~ or !~ after label '${label.text}'`)
    const value = this.next()
    if (value.kind !== 'string') throw this.unexpected(value, 'a double-quoted string')
    if (op.text === '=~' || op.text === '!~') {
      try {
        anchoredRegex(value.value)
      } catch (error) {
        const why = (error as Error).message.split(': ').at(-1)
        throw new ConditionError(`invalid regex ${value.text} for label '${label.text}' at character ${value.at + 1}: ${why}`)
      }
    }
    return { label: label.text, op: op.text as LabelMatcher['op'], value: value.value }
  }
}

function show(t: Token): string {
  return t.kind === 'end' ? 'end of condition' : `'${t.text}'`
}

// ---------------------------------------------------------------------------------------------
// Canonical text: parseCondition(describeCondition(c), c.mode) gives back c.
// ---------------------------------------------------------------------------------------------

export function describeCondition(c: Condition): string {
  return describeExpr(c.expr)
}

export function describeExpr(e: Expr): string {
  switch (e.kind) {
    case 'or':
      // Parsing groups to the left, so only a right-hand `or` needs its parentheses back.
      return `${describeExpr(e.left)} or ${group(e.right, e.right.kind === 'or')}`
    case 'and':
      return `${group(e.left, e.left.kind === 'or')} and ${group(e.right, e.right.kind !== 'compare' && e.right.kind !== 'not')}`
    case 'not':
      return `not ${group(e.operand, e.operand.kind === 'or' || e.operand.kind === 'and')}`
    case 'compare':
      return `${describeOperand(e.left)} ${e.op} ${describeOperand(e.right)}`
  }
}

function group(e: Expr, parenthesise: boolean): string {
  return parenthesise ? `(${describeExpr(e)})` : describeExpr(e)
}

export function describeOperand(o: Operand): string {
  if (o.kind === 'number') return String(o.value)
  if (o.kind === 'result') return 'result'
  return describeCall(o.call)
}

export function describeCall(call: Call): string {
  switch (call.fn) {
    case 'ratio':
      return `ratio(${formatSelector(call.numerator)}, ${formatSelector(call.denominator)})`
    case 'quantile':
      return `quantile(${call.q}, ${formatSelector(call.selector)})`
    default:
      return `${call.fn}(${formatSelector(call.selector)})`
  }
}

/** Each distinct call of the condition, in order of appearance, as [canonical text, call]. */
export function callsOf(c: Condition): Array<[string, Call]> {
  const found = new Map<string, Call>()
  const visit = (e: Expr): void => {
    if (e.kind === 'not') visit(e.operand)
    else if (e.kind === 'compare') {
      for (const o of [e.left, e.right]) if (o.kind === 'call') found.set(describeCall(o.call), o.call)
    } else {
      visit(e.left)
      visit(e.right)
    }
  }
  visit(c.expr)
  return [...found]
}

/** The canonical text of each distinct call, in order: the keys of a scrape evaluation's values. */
export function conditionCalls(c: Condition): string[] {
  return callsOf(c).map(([text]) => text)
}
