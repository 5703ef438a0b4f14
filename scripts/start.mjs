#!/usr/bin/env node
/**
 * `npm start`: build whatever is missing or older than its sources, then run the server.
 * On a fresh clone that means a full build; in the Docker image (built already, no dev
 * dependencies) nothing is rebuilt.
 */
import path from 'node:path'
import { buildIfStale, ROOT } from './lib/build.mjs'

buildIfStale({ tag: 'start' })
// The server then logs (JSON, one object a line) the history build's progress and, once it
// answers 200 on /api/health, one line naming the console, docs, WebSocket and health URLs.
await import(path.join(ROOT, 'server', 'dist', 'server.js'))
