import type {
  ActivateScenarioResponse,
  ApiError,
  ClockState,
  GroundTruthResponse,
  HistoryInterval,
  HistoryResponse,
  ResetResponse,
  ScenarioListResponse,
  SimulationState,
  StopResponse,
  StreamCatalogResponse,
} from '@marketsim/shared-types'

/** A failed call, carrying the contract's error code so the UI can say what went wrong. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Where the API lives: the page's own origin in the browser, anything in tests. */
export interface Transport {
  fetch: typeof fetch
  base: string
}

/** `token` gives the admin token, if one is known, for the controls (every POST). */
export function createApi(t: Transport, token: () => string | undefined = () => undefined) {
  async function call<T>(path: string, init?: { method: 'POST'; body?: unknown }): Promise<T> {
    let res: Response
    const headers: Record<string, string> = { accept: 'application/json' }
    if (init?.body !== undefined) headers['content-type'] = 'application/json'
    const bearer = init?.method === 'POST' ? token() : undefined
    if (bearer) headers.authorization = `Bearer ${bearer}`
    try {
      res = await t.fetch(t.base + path, {
        method: init?.method ?? 'GET',
        headers,
        body: init?.body === undefined ? undefined : JSON.stringify(init.body),
      })
    } catch (e) {
      throw new ApiCallError(0, 'NETWORK', `the server cannot be reached (${(e as Error).message})`)
    }
    const body = (await res.json().catch(() => undefined)) as unknown
    if (!res.ok) {
      const err = (body as ApiError | undefined)?.error
      throw new ApiCallError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText)
    }
    return body as T
  }
  const q = (params: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString()

  return {
    streams: () => call<StreamCatalogResponse>('/api/streams'),
    scenarios: () => call<ScenarioListResponse>('/api/simulation/scenarios'),
    state: () => call<SimulationState>('/api/simulation/state'),
    clock: () => call<ClockState>('/api/simulation/clock'),
    setSpeed: (speed: number) => call<ClockState>('/api/simulation/clock', { method: 'POST', body: { speed } }),
    /** Back to the wall clock at 1× (the server simulates forward to it, a day per call at most). */
    goLive: () => call<ClockState>('/api/simulation/clock', { method: 'POST', body: { live: true } }),
    activate: (scenarioId: string, startTime?: string) =>
      call<ActivateScenarioResponse>('/api/simulation/scenario', { method: 'POST', body: startTime ? { scenarioId, startTime } : { scenarioId } }),
    stop: () => call<StopResponse>('/api/simulation/stop', { method: 'POST', body: {} }),
    reset: () => call<ResetResponse>('/api/simulation/reset', { method: 'POST', body: {} }),
    history: (p: { start: string; end: string; streams?: string; interval?: HistoryInterval }) =>
      call<HistoryResponse>(`/api/simulation/history?${q(p)}`),
    groundTruth: (start: string, end: string) => call<GroundTruthResponse>(`/api/simulation/ground-truth?${q({ start, end })}`),
  }
}

export type Api = ReturnType<typeof createApi>

/** What an error code means to a presenter, in words. */
export function explain(e: unknown): string {
  if (!(e instanceof ApiCallError)) return String((e as Error)?.message ?? e)
  const words: Record<string, string> = {
    SCENARIO_ALREADY_ACTIVE: 'Another scenario is already running: stop it (or reset) first.',
    NO_ACTIVE_SCENARIO: 'No scenario is running, so there is nothing to stop.',
    SCENARIO_NOT_FOUND: 'The server does not know this scenario.',
    INVALID_SCENARIO: 'The server refused the request',
    INVALID_TIME_RANGE: 'The server refused that start',
    CLOCK_CONFLICT: 'The clock cannot go live now',
    NOT_READY: 'The server is still building its history; try again in a few seconds.',
    JOURNAL_UNAVAILABLE: 'The server cannot write its journal, so nothing was changed',
    NETWORK: 'The server cannot be reached; the console keeps retrying.',
    UNAUTHORIZED: 'The server refused the admin token, so nothing was changed.',
    TOKEN_NOT_GIVEN: 'This server\'s controls need the admin token; nothing was changed.',
    RATE_LIMITED: 'Too many actions in a short time; nothing was changed',
  }
  const said = words[e.code]
  return said ? (said.endsWith('.') ? said : `${said}: ${e.message}`) : `${e.message} (${e.code})`
}
