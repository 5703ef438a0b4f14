#!/usr/bin/env node
/**
 * `npm run -s score -- --flags FILE.ndjson --from <ISO> --to <ISO> …`: a detector's flags scored
 * offline against the world the options name (server/src/detector/cli.ts). Builds the server
 * first if it is missing or stale, with the build's output on stderr: stdout is the result.
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildIfStale, ROOT } from './lib/build.mjs'

buildIfStale({ only: ['shared-types', 'server'], tag: 'score', quietStdout: true })
const { main } = await import(pathToFileURL(path.join(ROOT, 'server', 'dist', 'detector', 'cli.js')).href)
process.exitCode = await main(process.argv.slice(2))
