/**
 * A client's frame read as a message of the protocol. The messages' TypeBox schemas in
 * shared-types decide (compiled by the validator of the HTTP bodies, so the limits the AsyncAPI
 * document states are the ones enforced); a refusal carries the code and the sentence the hub
 * has always answered with, naming the field at fault.
 */
import { WsClientMessage, type WsErrorCode, type WsSubscribe, type WsUnsubscribe } from '@marketsim/shared-types'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { compileJsonSchema } from '../validation.js'

interface Refusal {
  code: WsErrorCode
  message: string
}

type Read<T> = { ok: true; value: T } | { ok: false; refusal: Refusal }

const refuse = (code: WsErrorCode, message: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { code, message } })

/** One validator per message type, from the union's members: a message added there is read here. */
const BY_TYPE = new Map<string, ValidateFunction<WsClientMessage>>(
  WsClientMessage.anyOf.map((m) => [m.properties.type.const, compileJsonSchema(m) as ValidateFunction<WsClientMessage>]),
)

type Field = Exclude<keyof WsSubscribe | keyof WsUnsubscribe, 'type'>

/** What a fault in each field is called (every field has its sentence: the compiler checks). */
const FIELD_FAULTS: Record<Field, string> = {
  lastSeq: '"lastSeq" must be a non-negative integer',
  lastTimestamp: '"lastTimestamp" must be an ISO-8601 time',
  topics: `"topics" must be an array of topic strings`,
}

function fault(e: ErrorObject): string {
  const field = e.keyword === 'required' ? String(e.params.missingProperty) : e.instancePath.split('/')[1]!
  return FIELD_FAULTS[field as Field] ?? `"${field}" ${e.message ?? 'is invalid'}`
}

/** A frame as a JSON object, or why not (size before anything: a huge frame is never parsed). */
export function readFrame(data: Buffer, isBinary: boolean, maxFrameBytes: number): Read<Record<string, unknown>> {
  if (data.length > maxFrameBytes) return refuse('MESSAGE_TOO_LARGE', `frames are limited to ${maxFrameBytes} bytes`)
  if (isBinary) return refuse('INVALID_MESSAGE', 'send JSON text frames')
  let msg: unknown
  try {
    msg = JSON.parse(data.toString('utf8'))
  } catch {
    return refuse('INVALID_JSON', 'the frame is not valid JSON')
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return refuse('INVALID_MESSAGE', 'a message is a JSON object with a "type"')
  return { ok: true, value: msg as Record<string, unknown> }
}

/** A JSON object as a client message, checked against its type's schema. */
export function readMessage(m: Record<string, unknown>): Read<WsClientMessage> {
  const validate = typeof m.type === 'string' ? BY_TYPE.get(m.type) : undefined
  if (!validate) return refuse(typeof m.type === 'string' ? 'UNKNOWN_MESSAGE_TYPE' : 'INVALID_MESSAGE', `unknown message type: ${String(m.type)}`)
  if (!validate(m)) return refuse('INVALID_MESSAGE', fault(validate.errors![0]!))
  // The format admits a leap second (23:59:60), which no Date can hold.
  if (m.type === 'subscribe' && typeof m.lastTimestamp === 'string' && Number.isNaN(Date.parse(m.lastTimestamp))) {
    return refuse('INVALID_MESSAGE', FIELD_FAULTS.lastTimestamp)
  }
  return { ok: true, value: m }
}
