// The checkout's root: the nearest folder above `from` that holds action.yml. Found rather than counted
// ('../..'), so that the helpers also work compiled elsewhere (the benchmark runs them from lib-bench/).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

export function repoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'action.yml'))) return dir
    if (dirname(dir) === dir) throw new Error(`no action.yml in ${from} or any folder above it`)
  }
}
