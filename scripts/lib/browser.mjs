/**
 * Chromium for browser tests and scripts: Debian's package driven by playwright-core (nothing
 * may download a browser build here or in CI), a "rendered" marker with its time since
 * navigation start, and a recorder of console errors that tests assert empty.
 */
import fs from 'node:fs'
import { chromium, errors } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']

/** Throws, never skips: a missing browser must fail the tests loudly, not pass them by omission. */
export async function launchChromium(executablePath = CHROMIUM_PATH) {
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it with \`apt-get install -y chromium\` (.ci/run does this in CI)`)
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS })
}

/** What the console sets once it shows real data; the fallback is "mounted anything at all". */
export const READY_SELECTOR = '[data-ready="true"]'
export const READY_FALLBACK = '#app > *'

/**
 * Navigate and wait until `selector` matches (or `fallback`, if the selector never does within
 * timeoutMs). The time is taken in the page by a MutationObserver installed before any page
 * script, as performance.now() (ms since navigation start) when the DOM first matched, so
 * polling and driver round trips do not add to it. Returns { selector (the one used), ms }.
 */
export async function gotoRendered(page, url, { selector = READY_SELECTOR, fallback = READY_FALLBACK, timeoutMs = 5000 } = {}) {
  const selectors = fallback ? [selector, fallback] : [selector]
  await page.addInitScript((sels) => {
    const seen = (window.__rendered = {})
    const check = () => {
      for (const s of sels) if (!(s in seen) && document.querySelector(s)) seen[s] = performance.now()
    }
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true })
    check()
  }, selectors)
  await page.goto(url, { waitUntil: 'commit' })
  const seen = (s) => page.waitForFunction((x) => window.__rendered?.[x] !== undefined, s, { timeout: timeoutMs })
  let used = selector
  try {
    await seen(selector)
  } catch (err) {
    if (!fallback || !(err instanceof errors.TimeoutError)) throw err
    used = fallback
    await seen(fallback)
  }
  return { selector: used, ms: await page.evaluate((s) => window.__rendered[s], used) }
}

/**
 * gotoRendered for a series of pages (budget runs, screenshot sizes): once the selector has
 * been missed, later pages wait for the fallback alone instead of timing out every time.
 * The result says `missed` (the selector given up on) the first time that happens.
 */
export function renderedSeries(options = {}) {
  let opts = { selector: READY_SELECTOR, fallback: READY_FALLBACK, ...options }
  return async (page, url) => {
    const r = await gotoRendered(page, url, opts)
    if (r.selector === opts.selector) return r
    const missed = opts.selector
    opts = { ...opts, selector: r.selector, fallback: false }
    return { ...r, missed }
  }
}

/**
 * Collect console errors and warnings, uncaught page errors and crashes as readable lines.
 * Lines matching an allowed pattern go to `allowed` instead, so a test can still see them.
 */
export function recordProblems(page, allow = []) {
  const patterns = [...allow]
  const rec = { problems: [], allowed: [], allow: (...p) => patterns.push(...p) }
  const add = (line) => (patterns.some((p) => p.test(line)) ? rec.allowed : rec.problems).push(line)
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return
    const at = m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : ''
    add(`console.${m.type()}: ${m.text()}${at}`)
  })
  page.on('pageerror', (e) => add(`pageerror: ${e.name}: ${e.message}`))
  page.on('crash', () => add('crash: the page crashed'))
  return rec
}

/**
 * What Chromium logs while the server is down on purpose (restart): refused WebSocket
 * reconnects and fetches. Pass to allow() around a deliberate restart only.
 */
export const RESTART_NOISE = [
  /WebSocket connection to '[^']*' failed: .*net::ERR_CONNECTION_REFUSED/,
  /Failed to load resource: net::ERR_CONNECTION_REFUSED/,
  // A request in flight when the old process goes, or one that reaches it while it closes
  // (503) or the new one while it builds its history (503 NOT_READY).
  /Failed to load resource: net::ERR_(CONNECTION_RESET|EMPTY_RESPONSE)/,
  /Failed to load resource: the server responded with a status of 503 \(Service Unavailable\)/,
]
