// Build an image through the Engine API: tar the context as the docker CLI would (honouring
// .dockerignore), stream the daemon's build log into a log group, and return the image ID.
import { existsSync, lstatSync, readFileSync } from 'node:fs'
import path from 'node:path'
import dockerignore from '@balena/dockerignore'
import type Docker from 'dockerode'
import tar from 'tar-fs'
import type { Log } from '../log.js'
import { daemonMessage, followJsonStream } from './client.js'

export interface BuildOptions {
  /** The build context folder. */
  context: string
  /** The Dockerfile: relative to the context (the Engine API's meaning), or absolute inside it. */
  dockerfile: string
  buildArgs: Record<string, string>
  /** Every tag the image gets; the first names the log group. At least one. */
  tags: string[]
}

/** Log lines kept to explain a failed build. */
const TAIL_LINES = 10

export async function buildImage(docker: Docker, opts: BuildOptions, log: Log): Promise<{ imageId: string }> {
  if (opts.tags.length === 0) throw new Error('buildImage needs at least one tag')
  const context = path.resolve(opts.context)
  const dockerfile = dockerfileInContext(context, opts.dockerfile)
  const [firstTag] = opts.tags as [string, ...string[]]

  return log.group(`Build ${firstTag}`, async () => {
    log.info(`Context ${context}, Dockerfile ${dockerfile}`)
    const tail: string[] = []
    const say = (line: string): void => {
      log.info(line)
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
    }
    const failure = (message: string): Error =>
      new Error(`Build of ${firstTag} failed: ${message}` + (tail.length ? `\nLast build output:\n${tail.join('\n')}` : ''))

    let response: NodeJS.ReadableStream
    try {
      response = await docker.buildImage(packContext(context, dockerfile), {
        dockerfile,
        // The Engine API takes `t` once per tag; querystring repeats an array's items that way.
        t: opts.tags as unknown as string,
        buildargs: opts.buildArgs,
        rm: true,
        forcerm: true
      })
    } catch (err) {
      throw failure(daemonMessage(err))
    }

    let imageId: string | undefined
    let error: string | undefined
    let partial = ''
    await followJsonStream(response, (message) => {
      if (message.stream !== undefined) {
        // `stream` text arrives in pieces that need not end at a line break.
        const lines = (partial + message.stream).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) if (line.trim() !== '') say(line.trimEnd())
      }
      if (message.aux?.ID) imageId = message.aux.ID
      if (message.error !== undefined || message.errorDetail !== undefined) {
        error ??= message.errorDetail?.message ?? message.error
      }
    })
    if (partial.trim() !== '') say(partial.trimEnd())
    if (error !== undefined) throw failure(error)

    // Older daemons (and some builders) send no aux.ID; the tag points at what was just built.
    imageId ??= (await docker.getImage(firstTag).inspect()).Id
    log.info(`Built ${imageId} as ${opts.tags.join(', ')}`)
    return { imageId }
  })
}

/**
 * The Dockerfile as a forward-slash path relative to the context. The legacy builder reads it from
 * the context tar, so one outside the context cannot be used.
 */
function dockerfileInContext(context: string, dockerfile: string): string {
  if (!existsSync(context) || !lstatSync(context).isDirectory()) {
    throw new Error(`Build context ${context} is not a folder`)
  }
  const absolute = path.resolve(context, dockerfile)
  const relative = path.relative(context, absolute)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`Dockerfile ${dockerfile} is outside the build context ${context}; move it inside the context`)
  }
  if (!existsSync(absolute)) throw new Error(`Dockerfile ${absolute} does not exist`)
  return relative.split(path.sep).join('/')
}

/**
 * A tar stream of the context, filtered as the docker CLI filters it (moby's TarWithOptions).
 * `dockerfile` is relative to the context, with forward slashes.
 */
export function packContext(context: string, dockerfile: string): NodeJS.ReadableStream {
  const ignoreFile = path.join(context, '.dockerignore')
  const rules = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : ''
  // The package's typings describe an ES default export; at run time it is module.exports.default.
  const ig = dockerignore.default().add(rules)
  // With `!` exceptions, an ignored folder may still hold files to send, so it must be walked.
  const hasExceptions = rules.split(/\r?\n/).some((line) => line.trim().startsWith('!'))
  // The daemon needs these two even when ignored (the CLI sends them too).
  const alwaysSent = new Set(['.dockerignore', dockerfile])

  const ignore = (absolute: string): boolean => {
    const relative = path.relative(context, absolute).split(path.sep).join('/')
    if (relative === '' || alwaysSent.has(relative)) return false
    if (dockerfile.startsWith(`${relative}/`)) return false // a folder on the way to the Dockerfile
    if (!ig.ignores(relative)) return false
    return !(hasExceptions && lstatSync(absolute).isDirectory())
  }

  const pack = tar.pack(context, {
    ignore,
    // Like the CLI: files belong to root in the image unless the Dockerfile says otherwise.
    map: (header) => ({ ...header, uid: 0, gid: 0 })
  })
  // tar-stream's pack is a streamx Readable; docker-modem only pipes it, which streamx supports.
  return pack as unknown as NodeJS.ReadableStream
}
