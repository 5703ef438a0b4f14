/**
 * Browser-test helpers: the built server as a child process and Debian's Chromium, both stopped
 * in the test's teardown. The process and browser code lives in scripts/lib so that
 * `npm run budget` and `npm run screenshots` drive the console exactly as the tests do.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { gotoRendered, launchChromium, recordProblems, type ProblemRecord, type Rendered, type RenderedOptions } from '../../scripts/lib/browser.mjs'
import { startServer as startProcess, type ServerOptions, type ServerProcess } from '../../scripts/lib/server-process.mjs'

export { READY_FALLBACK, READY_SELECTOR, RESTART_NOISE } from '../../scripts/lib/browser.mjs'
export { SMALL_WORLD } from '../../scripts/lib/server-process.mjs'
export type { ServerOptions, ServerProcess }

interface Teardown {
  teardown(fn: () => unknown): void
}

/** `node server/dist/server.js` on a free 127.0.0.1 port, healthy, on the small fixed world. */
export async function startServer(t: Teardown, options?: ServerOptions): Promise<ServerProcess> {
  const server = await startProcess(options)
  t.teardown(() => server.stop())
  return server
}

/** Chromium from /usr/bin/chromium; throws (fails the test) with the install command if missing. */
export async function openBrowser(t: Teardown): Promise<Browser> {
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  return browser
}

export interface OpenPageOptions extends RenderedOptions {
  /** Console lines matching these are collected in `allowed` rather than `problems`. */
  allow?: RegExp[]
  /** For the page's own context, e.g. { viewport: { width: 1440, height: 900 } }. */
  context?: BrowserContextOptions
}

export interface OpenedPage extends ProblemRecord {
  page: Page
  context: BrowserContext
  /** Which rendered marker matched, and when. */
  rendered: Rendered
}

/**
 * A page in a fresh context, recording console problems from before the first request, then
 * navigated to `url` and waited on until rendered. The context closes with the browser.
 */
export async function openPage(browser: Browser, url: string, options: OpenPageOptions = {}): Promise<OpenedPage> {
  const { allow, context: contextOptions, ...rendered } = options
  const context = await browser.newContext(contextOptions)
  const page = await context.newPage()
  const record = recordProblems(page, allow)
  return { page, context, ...record, rendered: await gotoRendered(page, url, rendered) }
}
