// Reading a container's output as it comes: the Engine sends stdout and stderr of a container without
// a TTY as frames (an 8-byte header: the stream, three zero bytes, the payload's length), and a chunk
// read from the socket may end anywhere, in a header, in a payload or in a UTF-8 character. This turns
// the chunks into the complete text lines of each stream, in the order they were written. Pure.
import { StringDecoder } from 'node:string_decoder'

const HEADER = 8

export class FrameLines {
  private pending: Buffer = Buffer.alloc(0)
  /** Per stream (1 stdout, 2 stderr; 0 for output that is not framed): its decoder and unfinished line. */
  private readonly streams = new Map<number, { decoder: StringDecoder; partial: string }>()
  /** Undecided until the first bytes: output of a container with a TTY has no frames. */
  private framed?: boolean

  /** The lines completed by this chunk; empty lines are left out. */
  push(chunk: Buffer): string[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const lines: string[] = []
    if (this.framed === undefined && this.pending.length) this.framed = looksFramed(this.pending)
    if (this.framed === false) {
      lines.push(...this.text(0, this.pending))
      this.pending = Buffer.alloc(0)
      return lines
    }
    while (this.pending.length >= HEADER) {
      const size = this.pending.readUInt32BE(4)
      if (this.pending.length < HEADER + size) break
      lines.push(...this.text(this.pending[0], this.pending.subarray(HEADER, HEADER + size)))
      this.pending = this.pending.subarray(HEADER + size)
    }
    return lines
  }

  /** At the end of the output: each stream's last line, if it had no newline. */
  end(): string[] {
    const lines: string[] = []
    for (const stream of this.streams.values()) {
      const last = (stream.partial + stream.decoder.end()).replace(/\r$/, '')
      stream.partial = ''
      if (last) lines.push(last)
    }
    return lines
  }

  private text(id: number, bytes: Buffer): string[] {
    let stream = this.streams.get(id)
    if (!stream) {
      stream = { decoder: new StringDecoder('utf8'), partial: '' }
      this.streams.set(id, stream)
    }
    const parts = (stream.partial + stream.decoder.write(bytes)).split('\n')
    stream.partial = parts.pop() ?? ''
    return parts.map((line) => line.replace(/\r$/, '')).filter(Boolean)
  }
}

/** A frame header: stream 0, 1 or 2 and three zero bytes (as far as the bytes go). */
function looksFramed(bytes: Buffer): boolean {
  return bytes[0] <= 2 && [1, 2, 3].every((i) => i >= bytes.length || bytes[i] === 0)
}
