// {{canary}} and {{stable}} in a query or condition stand for service names known only at run time:
// the canary (or preview) companion and the service it will replace.

export interface ServiceNames {
  canary: string
  stable: string
}

const PLACEHOLDER = /\{\{\s*(canary|stable)\s*\}\}/g

export function fillPlaceholders(text: string, names: ServiceNames): string {
  return text.replace(PLACEHOLDER, (_all, which: 'canary' | 'stable') => names[which])
}

export function hasPlaceholder(text: string, which: 'canary' | 'stable'): boolean {
  return [...text.matchAll(PLACEHOLDER)].some((m) => m[1] === which)
}

/** Any other {{…}} is a typo that would otherwise reach Prometheus as text. */
export function unknownPlaceholder(text: string): string | undefined {
  return /\{\{\s*(?!(?:canary|stable)\s*\}\})[^}]*\}\}/.exec(text)?.[0]
}
