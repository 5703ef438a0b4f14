import { Components, type JsonObject } from './named-schemas.js'

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonObject }> }> }

/**
 * The OpenAPI document as @fastify/swagger generates it, with the shared schemas named in
 * `components.schemas` and referenced by `$ref`, so a generator (openapi-typescript) gives
 * them names instead of anonymous deep paths. Only the document changes.
 */
export function withNamedComponents(doc: JsonObject): JsonObject {
  const paths = structuredClone(doc.paths) as Record<string, Record<string, Operation>>
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item)) {
      for (const response of Object.values(op.responses ?? {})) {
        // @fastify/swagger copies a response's description into its schema too: the response keeps it.
        for (const media of Object.values(response.content ?? {})) {
          if (media.schema && media.schema.description === response.description) delete media.schema.description
        }
      }
    }
  }
  const components = new Components('#/components/schemas/')
  const referred = components.refer(paths as unknown as JsonObject)
  const existing = (doc.components ?? {}) as JsonObject
  return { ...doc, paths: referred, components: { ...existing, schemas: components.sorted() } }
}
