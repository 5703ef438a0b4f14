/**
 * HTTP over a bare TCP socket, for what `inject()` and `fetch` cannot send: bytes that are not
 * HTTP, oversized request lines, a body trickled byte by byte, upgrade requests anywhere.
 * Only 127.0.0.1; every exchange has a deadline, so a server that never answers fails the test
 * instead of hanging it.
 */
import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface RawExchange {
  /** Every response read from the connection, in order (pipelined requests get several). */
  responses: RawResponse[]
  /** Bytes after the last complete response (a truncated answer, or frames after a 101). */
  rest: string
  /** The server closed the connection (as opposed to our deadline cutting it). */
  closedByServer: boolean
  /** Real milliseconds from the first byte sent to the close. */
  ms: number
}

/** Splits what a connection received into responses: status line, headers, a Content-Length or chunked body. */
export function parseResponses(raw: Buffer): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = []
  let at = 0
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const [statusLine, ...lines] = raw.subarray(at, end).toString('latin1').split('\r\n')
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)
    if (!m) break
    const headers: Record<string, string> = {}
    for (const l of lines) {
      const i = l.indexOf(':')
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
    }
    let bodyStart = end + 4
    let body: Buffer
    const status = Number(m[1])
    if (status === 101 || status === 304 || status === 204) body = Buffer.alloc(0)
    else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length'])
      if (raw.length < bodyStart + n) break
      body = raw.subarray(bodyStart, bodyStart + n)
      bodyStart += n
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = []
      let p = bodyStart
      for (;;) {
        const eol = raw.indexOf('\r\n', p)
        if (eol < 0) return { responses, rest: raw.subarray(at).toString('latin1') }
        const size = parseInt(raw.subarray(p, eol).toString('latin1'), 16)
        if (!(size >= 0)) return { responses, rest: raw.subarray(at).toString('latin1') }
        if (size === 0) {
          p = eol + 4
          break
        }
        parts.push(raw.subarray(eol + 2, eol + 2 + size))
        p = eol + 2 + size + 2
      }
      body = Buffer.concat(parts)
      bodyStart = p
    } else {
      // Neither: the body runs to the close.
      body = raw.subarray(bodyStart)
      bodyStart = raw.length
    }
    responses.push({ status, headers, body: body.toString('utf8') })
    at = bodyStart
    if (status === 101) break
  }
  return { responses, rest: raw.subarray(at).toString('latin1') }
}

/**
 * Opens a connection, writes `chunks` (each after `gapMs`), half-closes unless `keepOpen`, and
 * reads until the server closes or `deadlineMs` passes.
 */
export async function exchange(port: number, chunks: Array<string | Buffer>, opts: { gapMs?: number; keepOpen?: boolean; deadlineMs?: number } = {}): Promise<RawExchange> {
  const socket = net.connect(port, '127.0.0.1')
  const received: Buffer[] = []
  let closedByServer = false
  const t0 = Date.now()
  const closed = new Promise<void>((resolve) => {
    socket.on('data', (d) => received.push(d))
    socket.on('end', () => (closedByServer = true))
    socket.on('close', () => resolve())
    socket.on('error', () => (closedByServer = true)) // a reset is the server closing too
  })
  const deadline = setTimeout(() => socket.destroy(), opts.deadlineMs ?? 5_000)
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  void (async () => {
    for (const [i, c] of chunks.entries()) {
      if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
      if (socket.destroyed) return
      socket.write(c)
    }
    if (!opts.keepOpen && !socket.destroyed) socket.end()
  })()
  await closed
  clearTimeout(deadline)
  return { ...parseResponses(Buffer.concat(received)), closedByServer, ms: Date.now() - t0 }
}

/** A request as bytes: `head` lines joined by CRLF, then the blank line and the body. */
export const request = (head: string[], body = '') => `${head.join('\r\n')}\r\n\r\n${body}`
