/**
 * Where to go once the server is ready: the one line `npm start` ends with names the console,
 * the docs, the WebSocket and the health check, as a person or a client would open them.
 */
import type { AddressInfo } from 'node:net'

export interface PublicUrls {
  console: string
  docs: string
  websocket: string
  health: string
}

/**
 * The URLs of a server listening on `address`. A wildcard address (0.0.0.0, ::) is reached as
 * localhost; on Railway the service's public domain (RAILWAY_PUBLIC_DOMAIN) is what a browser
 * opens, over TLS.
 */
export function publicUrls(address: AddressInfo, publicDomain?: string): PublicUrls {
  let http: string
  if (publicDomain) http = `https://${publicDomain}`
  else {
    const wildcard = address.address === '0.0.0.0' || address.address === '::'
    const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address
    http = `http://${host}:${address.port}`
  }
  return { console: `${http}/admin`, docs: `${http}/docs`, websocket: `${http.replace(/^http/, 'ws')}/ws`, health: `${http}/api/health` }
}

/** The ready line's message: every URL in words, so a plain JSON log still says where to go. */
export function readyMessage(u: PublicUrls): string {
  return `ready: console ${u.console} · docs ${u.docs} · WebSocket ${u.websocket} · health ${u.health}`
}
