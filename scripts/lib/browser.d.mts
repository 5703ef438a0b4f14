// Types for browser.mjs, so the TypeScript test harness can import it.
import type { Browser, Page } from 'playwright-core'

export declare const CHROMIUM_PATH: string
export declare const CHROMIUM_ARGS: readonly string[]
/** Throws, naming `apt-get install -y chromium`, when the executable is missing. Default CHROMIUM_PATH. */
export declare function launchChromium(executablePath?: string): Promise<Browser>

export declare const READY_SELECTOR: string
export declare const READY_FALLBACK: string

export interface RenderedOptions {
  /** Default READY_SELECTOR ([data-ready="true"]). */
  selector?: string
  /** Used when `selector` never matches within timeoutMs; false for none. Default READY_FALLBACK (#app > *). */
  fallback?: string | false
  /** Per selector. Default 5000. */
  timeoutMs?: number
}
export interface Rendered {
  /** The selector that matched: the requested one or the fallback. */
  selector: string
  /** Since navigation start, when the DOM first matched. */
  ms: number
}
export declare function gotoRendered(page: Page, url: string, options?: RenderedOptions): Promise<Rendered>
/** gotoRendered that, once the selector was missed, waits for the fallback alone; `missed` names it that once. */
export declare function renderedSeries(options?: RenderedOptions): (page: Page, url: string) => Promise<Rendered & { missed?: string }>

export interface ProblemRecord {
  /** Console errors/warnings, page errors and crashes not matched by an allowed pattern. */
  problems: string[]
  /** Those that matched one. */
  allowed: string[]
  /** Allow more patterns from now on. */
  allow(...patterns: RegExp[]): void
}
export declare function recordProblems(page: Page, allow?: readonly RegExp[]): ProblemRecord
export declare const RESTART_NOISE: readonly RegExp[]
