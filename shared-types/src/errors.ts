import { Type, type Static } from '@sinclair/typebox'

/** Every error the API answers with: the contract's envelope. */
export const ApiError = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable code, e.g. INVALID_TIME_RANGE' }),
      message: Type.String({ description: 'Human-readable sentence' }),
      details: Type.Optional(Type.String()),
    }),
  },
  { title: 'ApiError' },
)
export type ApiError = Static<typeof ApiError>

/** The contract's codes plus the few the service adds for transport-level failures. */
export const ERROR_CODES = [
  'INVALID_TIME_RANGE',
  'STREAM_NOT_FOUND',
  'SCENARIO_NOT_FOUND',
  'SCENARIO_ALREADY_ACTIVE',
  'INVALID_SCENARIO',
  'NO_ACTIVE_SCENARIO',
  'CLOCK_CONFLICT',
  'INVALID_REQUEST',
  'INVALID_JSON',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHORIZED',
  'ORIGIN_NOT_ALLOWED',
  'RATE_LIMITED',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'NOT_READY',
  'JOURNAL_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]
