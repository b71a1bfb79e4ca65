// The one-file tar archives the Engine's archive endpoints speak (PUT/GET /containers/{id}/archive): the
// deploy lock of a plain host keeps its renewed expiry in a file inside its never-started container.
// Pure: a ustar header, the data padded to 512 bytes, and the two zero blocks that end an archive.

const BLOCK = 512

export function tarOneFile(name: string, data: string, mtimeSeconds: number): Buffer {
  const body = Buffer.from(data, 'utf8')
  const header = Buffer.alloc(BLOCK)
  header.write(name, 0, 100, 'utf8')
  header.write(octal(0o644, 7), 100)
  header.write(octal(0, 7), 108)
  header.write(octal(0, 7), 116)
  header.write(octal(body.length, 11), 124)
  header.write(octal(Math.floor(mtimeSeconds), 11), 136)
  header.write(' '.repeat(8), 148)
  header.write('0', 156)
  header.write('ustar\0', 257)
  header.write('00', 263)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${octal(sum, 6)}\0 `, 148)
  const padding = Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK)
  return Buffer.concat([header, body, padding, Buffer.alloc(2 * BLOCK)])
}

/** The contents of the first regular file in a tar, or undefined when there is none. */
export function firstFileOf(tar: Buffer): string | undefined {
  let offset = 0
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((b) => b === 0)) return undefined
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8)
    const type = String.fromCharCode(header[156])
    const start = offset + BLOCK
    if (type === '0' || type === '\0') return tar.subarray(start, start + size).toString('utf8')
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
  return undefined
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width, '0')
}
