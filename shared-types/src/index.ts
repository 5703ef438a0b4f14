/**
 * Every public shape of the simulator, defined once as a TypeBox schema with its static type.
 * The server validates and documents with the schemas; the admin console types its clients with them.
 */
export * from './common.js'
export * from './events.js'
export * from './errors.js'
export * from './scenario.js'
export * from './state.js'
export * from './history.js'
export * from './correlations.js'
export * from './config.js'
export * from './catalog.js'
export * from './ws.js'
export * from './truth.js'
export * from './detector.js'
export * from './durations.js'
