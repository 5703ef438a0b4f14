/**
 * The console explains itself, in Chromium against the real server at projector size
 * (1920×1080): counts that add up, whole stream names, a refusal said by the card pressed and
 * in a toast in view, Activate disabled with its reason while a scenario runs, event icons
 * that need no emoji font, a reset that frees the buttons the moment the panel says so, and
 * on a live world (SIM_START unset) "behind live by …" with Go live. The page drives the world
 * through its own buttons; waits are for what it shows, never for an amount of time.
 */
import t from 'tap'
import type { Page } from 'playwright-core'
import type { ClockState } from '@marketsim/shared-types'
import { openBrowser, openPage, startServer } from './harness.js'

const PROJECTOR = { viewport: { width: 1920, height: 1080 } }

/** The heatmap's summary and, in the same instant, what its cells show. */
const heatmapNow = (page: Page) =>
  page.evaluate(() => {
    const cells = [...document.querySelectorAll<HTMLElement>('.cell')]
    const count = (f: (flag: string | undefined) => boolean) => cells.filter((c) => f(c.dataset.flag || undefined)).length
    return {
      summary: document.querySelector('[data-testid="heatmap-summary"]')!.textContent!,
      total: cells.length,
      flagged: count((f) => f === 'warning' || f === 'critical'),
      normal: count((f) => f === 'normal'),
      unread: count((f) => f === undefined),
    }
  })

/** Names that are cut, overflow their box, or break inside a word (a part drawn on two lines). */
const badNames = (page: Page, selector: string) =>
  page.$$eval(selector, (els) =>
    els.flatMap((el) => {
      const box = el.getBoundingClientRect()
      const parts = [...el.querySelectorAll<HTMLElement>('.name-part')]
      const broken = parts.filter((p) => p.getClientRects().length > 1).map((p) => p.textContent)
      const outside = parts.some((p) => p.getBoundingClientRect().right > box.right + 1)
      const cut = el.scrollWidth > el.clientWidth + 1
      return broken.length || outside || cut || parts.length === 0 ? [{ name: el.textContent, broken, outside, cut }] : []
    }),
  )

/** Whether an element is wholly inside the viewport. */
const inView = (page: Page, selector: string) =>
  page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect()
    return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
  })

t.test('at projector size the console says what it means, where the presenter looks', async (t) => {
  const server = await startServer(t)
  const browser = await openBrowser(t)
  const { page, problems, allow } = await openPage(browser, `${server.url}/admin/`, { context: PROJECTOR })
  await page.waitForSelector('[data-testid="link-status"]:text("live")')
  await page.waitForFunction(() => [...document.querySelectorAll('.cell')].every((c) => (c as HTMLElement).dataset.normalized !== ''))

  // The summary's counts add up to the streams shown (not "2 flagged · 50 = …", read as 52).
  const h = await heatmapNow(page)
  const streams = (await (await fetch(`${server.url}/api/streams`)).json()).streams.length
  t.equal(h.total, streams, 'one cell per stream of the catalog')
  const m = /^(\d+) streams: (\d+) flagged · (\d+) as expected(?: · (\d+) not read yet)?$/.exec(h.summary)
  t.ok(m, `the summary reads "<n> streams: <f> flagged · <e> as expected" (${h.summary})`)
  t.same(m && m.slice(1).map((x) => Number(x ?? 0)), [h.total, h.flagged, h.normal, h.unread], 'and says what the cells show')
  t.equal(h.flagged + h.normal + h.unread, h.total, 'its parts add up to the whole')

  // Every stream name whole: wrapped between its parts if it must be, never cut or broken mid-word.
  t.same(await badNames(page, '.cell-name'), [], 'no heatmap name is cut ("subscription.pl…") or broken inside a word')
  const shown = await page.$$eval('.cell', (cells) => cells.map((c) => [(c as HTMLElement).dataset.stream!, c.querySelector('.cell-name')!.textContent]))
  t.same(
    shown.filter(([stream, text]) => stream.split('.').slice(1).join('.') !== text),
    [],
    'each cell shows its whole name (without the domain it is grouped under)',
  )
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'and the page does not scroll sideways')

  // A refused activation on the last card, far down the page: said by that card and in a toast in view.
  const clock: ClockState = await (await fetch(`${server.url}/api/simulation/clock`)).json()
  const historyDays = (Date.parse(clock.currentSimulationTime) - Date.parse(clock.historyStartTime)) / 86_400_000
  const last = await page.$$eval('article.card', (cards) =>
    cards.map((c) => c.getAttribute('data-testid')!.slice('scenario-'.length)).filter((id) => id !== 'normal-operations').at(-1)!,
  )
  const offered = await page.$$eval(`[data-testid="backdate-${last}"] option`, (os) => os.map((o) => Number((o as HTMLOptionElement).value)))
  const beforeHistory = offered.find((d) => d > historyDays)
  t.ok(beforeHistory, `a start offered before the ${historyDays.toFixed(1)} days of history (${offered.join(', ')})`)
  // Chromium logs the 400 itself.
  allow(/status of 400 \(Bad Request\) \(http:\/\/[^)]+\/api\/simulation\/scenario:/)
  await page.selectOption(`[data-testid="backdate-${last}"]`, String(beforeHistory))
  await page.click(`[data-testid="activate-${last}"]`)
  await page.waitForSelector(`[data-testid="refusal-${last}"]`)
  await page.waitForSelector('[data-testid="toast-error"]')
  const where = await page.$eval(`[data-testid="scenario-${last}"]`, (card) => ({ top: card.getBoundingClientRect().top + scrollY, scrolled: scrollY }))
  t.ok(where.top > PROJECTOR.viewport.height && where.scrolled > 0, `the card is below the first screen (at ${Math.round(where.top)} px) and the page was scrolled to it`)
  t.match(await page.textContent(`[data-testid="refusal-${last}"]`), /^Not activated: The server refused that start: startTime lies before the simulated history/)
  t.ok(await page.$eval(`[data-testid="scenario-${last}"]`, (card) => card.contains(card.querySelector('.refusal'))), 'the refusal is in the card pressed')
  t.ok(await inView(page, `[data-testid="refusal-${last}"]`), 'by the button, in view')
  t.ok(await inView(page, '[data-testid="toast-error"]'), 'and the toast is in view too')
  t.match(await page.textContent('[data-testid="toast-error"]'), /was not activated\. The server refused that start/)
  t.equal(await page.getAttribute(`[data-testid="activate-${last}"]`, 'aria-describedby'), `refused-${last}`, 'a screen reader hears it with the button')
  t.equal(await page.locator('[data-testid="banner-error"]').count(), 0, 'nothing is said 1,400 px above')
  await page.click('[data-testid="toast-error"] button.dismiss')
  await page.waitForSelector(`[data-testid="refusal-${last}"]`, { state: 'detached' })
  t.equal(await page.getAttribute('[data-testid="running"]', 'data-phase'), 'none', 'nothing was activated')

  // While a scenario runs, every other Activate is disabled, and says why.
  await page.click('.speeds button:text("60×")')
  await page.waitForSelector('.speeds button[aria-pressed="true"]:text("60×")')
  await page.click('[data-testid="activate-exam-season-surge"]')
  await page.waitForSelector('[data-testid="running"][data-phase="active"]')
  // The panel may show the run before the activation's own answer arrives (buttons busy until then).
  await page.waitForSelector('[data-testid="activate-normal-operations"]:not([disabled])', { timeout: 15_000 })
  t.match(await page.textContent('[data-testid="scenario-exam-season-surge"]'), /session\.booking\.expired.*shows 24 h later/s, 'a card says when a delayed factor shows')
  const cards = await page.$$eval('article.card', (els) =>
    els.map((card) => {
      const id = card.getAttribute('data-testid')!.slice('scenario-'.length)
      const button = card.querySelector<HTMLButtonElement>(`[data-testid="activate-${id}"]`)!
      const why = card.querySelector<HTMLElement>(`[data-testid="blocked-${id}"]`)
      return { id, disabled: button.disabled, title: button.title, described: button.getAttribute('aria-describedby'), why: why?.textContent, whyId: why?.id, shown: (why?.offsetHeight ?? 0) > 0 }
    }),
  )
  for (const c of cards) {
    if (c.id === 'normal-operations') {
      t.notOk(c.disabled, 'normal operations (the reset) stays open: the server takes it whatever runs')
      continue
    }
    t.ok(c.disabled && c.shown && c.title === c.why && c.described === c.whyId, `${c.id}: disabled, the reason shown, as its title and described-by`)
    t.match(c.why, c.id === 'exam-season-surge' ? /^Running now: stop it/ : /^Exam Season Surge is running: stop it and let it settle, or reset, first\.$/)
  }

  // Event icons are SVG in the page: nothing to fetch, no emoji font needed, and they paint.
  await page.waitForSelector('[data-testid="timeline"] li .event-icon')
  const icons = await page.$$eval('[data-testid="timeline"] .icon', (els) =>
    els.map((el) => ({ text: el.textContent!.trim(), path: el.querySelector('svg path')?.getAttribute('d') ?? '', w: el.getBoundingClientRect().width })),
  )
  t.ok(icons.length > 0, `${icons.length} events on the timeline`)
  t.same(
    icons.filter((i) => i.text !== '' || i.path === '' || !(i.w > 0)),
    [],
    'each icon is a drawn SVG path, with no character that needs a font',
  )
  const painted = await page.$eval('[data-testid="timeline"] .event-icon', async (svg) => {
    const img = new Image()
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = canvas.height = 24
    const ctx = canvas.getContext('2d')!
    ctx.drawImage(img, 0, 0, 24, 24)
    return ctx.getImageData(0, 0, 24, 24).data.filter((v, i) => i % 4 === 3 && v > 0).length
  })
  t.ok(painted > 20, `the icon paints (${painted} of 576 pixels)`)
  await page.click('[data-stream="customer.tutor.search"].cell')
  await page.waitForSelector('[data-testid="chart"] canvas')
  await page.waitForSelector('[data-testid="chart"] .marker')
  t.same(
    await page.$$eval('[data-testid="chart"] .marker', (ms) => ms.filter((m) => !m.querySelector('svg path')).map((m) => m.textContent)),
    [],
    'the chart\'s markers have the same icons',
  )

  // The ground truth's names wrap between their parts, never inside a word.
  await page.waitForSelector('[data-testid="truth-table"] tr[data-stream]')
  t.same(await badNames(page, '[data-testid="truth-table"] td button.link'), [], 'no ground-truth name is broken inside a word')

  // Stop: the other cards now say it is settling.
  await page.click('[data-testid="stop"]')
  await page.waitForSelector('[data-testid="running"][data-phase="settling"]')
  await page.waitForSelector('[data-testid="toast-notice"]:has-text("settling until")')
  t.match(await page.textContent('[data-testid="blocked-payment-outage"]'), /^Exam Season Surge is still settling: wait until it has settled, or reset, first\.$/)

  // Reset: from the moment the panel says "No scenario", no "Resetting…" and no "settling until".
  await page.evaluate(() => {
    const seen: string[] = ((window as unknown as { __stale: string[] }).__stale = [])
    const check = () => {
      if (!document.querySelector('[data-testid="no-scenario"]')) return
      const reset = document.querySelector('[data-testid="reset"]')?.textContent ?? ''
      const toast = document.querySelector('.toasts')?.textContent ?? ''
      if (/Resetting/.test(reset) || /settling until/.test(toast)) seen.push(`${reset} | ${toast}`)
    }
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  })
  await page.click('[data-testid="reset"]')
  await page.waitForSelector('[data-testid="confirm-dialog"][open]')
  await page.click('[data-testid="confirm"]')
  await page.waitForSelector('[data-testid="no-scenario"]')
  await page.waitForSelector('.console[data-busy=""]')
  t.equal(await page.textContent('[data-testid="reset"]'), 'Reset to baseline…')
  t.same(await page.evaluate(() => (window as unknown as { __stale: string[] }).__stale), [], 'the panel and the buttons never disagreed')
  t.equal(await page.locator('[data-testid^="blocked-"]').count(), 0, 'every Activate is open again')

  // This world has a fixed SIM_START: a paused clock cannot go live, so nothing offers it.
  await page.click('.speeds button:text("Pause")')
  await page.waitForSelector('.speeds button[aria-pressed="true"]:text("Pause")')
  t.equal(await page.locator('[data-testid="live-gap"]').count(), 0, 'no "behind live" on a fixed-start world')
  t.same(problems, [], 'no console errors besides the refusal\'s 400')
})

t.test('on a live world a paused clock says how far behind it is, and Go live brings it back', async (t) => {
  const server = await startServer(t, { env: { SIM_START: '' } })
  const browser = await openBrowser(t)
  const { page, problems } = await openPage(browser, `${server.url}/admin/`, { context: PROJECTOR })
  await page.waitForSelector('[data-testid="link-status"]:text("live")')
  t.equal(await page.locator('[data-testid="live-gap"]').count(), 0, 'live at 1×: nothing to say')

  await page.click('.speeds button:text("Pause")')
  await page.waitForSelector('[data-testid="live-gap-text"]:text("behind live by")')
  t.ok(await inView(page, '[data-testid="go-live"]'), 'with a Go live button beside the clock')
  await page.click('[data-testid="go-live"]')
  await page.waitForSelector('[data-testid="live-gap"]', { state: 'detached' })
  await page.waitForSelector('.speeds button[aria-pressed="true"]:text("1×")')
  const clock: ClockState = await (await fetch(`${server.url}/api/simulation/clock`)).json()
  t.match(clock, { speed: 1, paused: false, live: true }, 'the server\'s clock is live again')
  t.ok(Math.abs(clock.offsetMs) < 1000, `at the wall clock (offset ${clock.offsetMs} ms)`)

  // Sped up it runs ahead, and the server never turns time back: said, without a Go live.
  await page.click('.speeds button:text("60×")')
  await page.waitForSelector('[data-testid="live-gap-text"]:text("ahead of live by")')
  t.equal(await page.locator('[data-testid="go-live"]').count(), 0, 'no Go live while ahead')
  t.same(problems, [], 'no console errors or warnings')
})
