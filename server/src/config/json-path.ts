/** JSON pointer (`/affectedStreams/customer.tutor.search/multiplier`) → JSON path (`$.affectedStreams["customer.tutor.search"].multiplier`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '$'
  return pathOf(pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')))
}

/** Path segments → JSON path; numeric segments become indexes, odd keys are quoted. */
export function pathOf(segments: Array<string | number>): string {
  let out = '$'
  for (const seg of segments) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}
