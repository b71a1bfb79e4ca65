// The bundle is ESM, but CommonJS code it carries (ssh2's crypto, via dockerode) reads __dirname.
// This module is imported first, so the name exists before that code runs.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const scope = globalThis as { __dirname?: string; __filename?: string }
scope.__filename ??= fileURLToPath(import.meta.url)
scope.__dirname ??= dirname(scope.__filename)
