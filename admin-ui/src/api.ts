import type { ApiError, ScenarioListResponse, StreamCatalogResponse } from '@marketsim/shared-types'

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

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } })
  const body = (await res.json().catch(() => undefined)) as unknown
  if (!res.ok) {
    const err = (body as ApiError | undefined)?.error
    throw new ApiCallError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? res.statusText)
  }
  return body as T
}

export const api = {
  streams: () => getJson<StreamCatalogResponse>('/api/streams'),
  scenarios: () => getJson<ScenarioListResponse>('/api/simulation/scenarios'),
}
