/**
 * Shared schemas as named components of the generated documents (OpenAPI and AsyncAPI).
 *
 * The routes and the WebSocket hub keep using the shared-types schemas inline, exactly as
 * validation and serialization compile them today; only the documents are rewritten. Every
 * shared-types schema with a `title` is a name: where a document holds a schema with that
 * title, it becomes `{ $ref: <prefix><title> }` and the schema moves to the components once.
 * (`$id` on the schemas themselves would change what Ajv and fast-json-stringify compile:
 * the same `$id` embedded in two route schemas is a compile error.)
 */
import { isDeepStrictEqual } from 'node:util'
import * as Shared from '@marketsim/shared-types'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** title → the schema's own description (undefined when it has none), from every titled export of shared-types. */
function namedSchemas(): Map<string, string | undefined> {
  const named = new Map<string, string | undefined>()
  for (const [exportName, value] of Object.entries(Shared)) {
    if (!isObject(value) || typeof value.title !== 'string') continue
    if (named.has(value.title)) throw new Error(`shared-types: two schemas are titled ${value.title} (${exportName} is one)`)
    named.set(value.title, typeof value.description === 'string' ? value.description : undefined)
  }
  return named
}

export const NAMED_SCHEMAS: ReadonlyMap<string, string | undefined> = namedSchemas()

/** The JSON form of a TypeBox schema (its Symbol keys dropped), ready to put in a document. */
export const toJson = (schema: unknown): JsonObject => JSON.parse(JSON.stringify(schema)) as JsonObject

/**
 * Collects named schemas as components while rewriting document parts to reference them.
 * A schema titled like a shared one but different from it (a one-off variant) stays inline,
 * so a reference always means exactly the shared schema.
 */
export class Components {
  readonly schemas: Record<string, JsonObject> = {}

  constructor(private readonly prefix: string) {}

  /** The components collected so far, by name (a stable order for a diffable document). */
  sorted(): Record<string, JsonObject> {
    return Object.fromEntries(Object.keys(this.schemas).sort().map((k) => [k, this.schemas[k]!]))
  }

  /** `node` with every named schema inside it (itself included) replaced by a reference. */
  refer(node: Json): Json {
    if (Array.isArray(node)) return node.map((n) => this.refer(n))
    if (!isObject(node)) return node
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(node)) out[k] = this.refer(v)
    const name = typeof out.title === 'string' && NAMED_SCHEMAS.has(out.title) ? out.title : undefined
    if (name === undefined) return out
    // A use may carry its own description (`{ ...ApiError, description }`): the component keeps the schema's.
    const { description, ...rest } = out
    const own = NAMED_SCHEMAS.get(name)
    const schema: JsonObject = own === undefined ? rest : { ...rest, description: own }
    const known = this.schemas[name]
    if (known === undefined) this.schemas[name] = schema
    else if (!isDeepStrictEqual(known, schema)) return out
    const ref = { $ref: `${this.prefix}${name}` }
    return description === undefined || description === own ? ref : { allOf: [ref], description }
  }
}
