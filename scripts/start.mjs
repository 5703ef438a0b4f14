#!/usr/bin/env node
/**
 * `npm start`: build whatever is missing or older than its sources, then run the server.
 * On a fresh clone that means a full build; in the Docker image (built already, no dev
 * dependencies) nothing is rebuilt.
 */
import path from 'node:path'
import { buildIfStale, ROOT } from './lib/build.mjs'

buildIfStale({ tag: 'start' })
await import(path.join(ROOT, 'server', 'dist', 'server.js'))
