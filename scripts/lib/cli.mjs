/**
 * What the browser scripts (budget, screenshots) share: flags, and the built server plus
 * Chromium that must be stopped however the script ends, or a server keeps its port.
 */
import { launchChromium, READY_FALLBACK, READY_SELECTOR } from './browser.mjs'
import { startServer } from './server-process.mjs'

/** `--name value` from the command line, or the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}

/** The rendered-marker flags: --selector, --fallback ('' for none), --timeout (ms). */
export function renderedArgs() {
  return {
    selector: arg('selector', READY_SELECTOR),
    fallback: arg('fallback', READY_FALLBACK) || false,
    timeoutMs: Number(arg('timeout', 5000)),
  }
}

/** Run fn({ server, browser }) against a fresh small-world server; both stopped afterwards. */
export async function withServerAndBrowser(fn, serverOptions) {
  const server = await startServer(serverOptions)
  let browser
  try {
    browser = await launchChromium()
    return await fn({ server, browser })
  } finally {
    await browser?.close()
    await server.stop()
  }
}
