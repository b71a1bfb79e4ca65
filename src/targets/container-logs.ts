// Reading a container's log through the Engine API, the same for a Swarm task's container and a plain
// host's container: Docker multiplexes stdout and stderr into 8-byte-framed chunks (no TTY).
import type Docker from 'dockerode'

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text lines. */
export function demux(raw: Buffer | string): string[] {
  if (typeof raw === 'string') return raw.split('\n').filter(Boolean)
  const out: string[] = []
  let offset = 0
  while (offset + 8 <= raw.length && (raw[offset] === 1 || raw[offset] === 2) && raw[offset + 1] === 0) {
    const size = raw.readUInt32BE(offset + 4)
    out.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'))
    offset += 8 + size
  }
  const text = offset === 0 ? raw.toString('utf8') : out.join('')
  return text.split('\n').filter(Boolean)
}

/**
 * The last log lines of a container, each prefixed for the report; empty when unreadable (the container
 * may live on another node, or be gone already: logs are a courtesy).
 */
export async function containerTail(docker: Docker, id: string, lines = 20): Promise<string[]> {
  try {
    const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer
    return demux(raw).map((line) => `  | ${line}`)
  } catch {
    return []
  }
}
