import { render } from 'preact'
import { App } from './App.js'
import { createConsole } from './models/console.js'
import type { SocketLike } from './models/live.js'
import './style.css'

// The console talks to the server that served it: same origin for REST, /ws for live events.
const c = createConsole({
  transport: { fetch: (input, init) => fetch(input, init), base: '' },
  wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  connect: (url) => new WebSocket(url) as unknown as SocketLike,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as number),
  setRepeat: (fn, ms) => setInterval(fn, ms),
  clearRepeat: (t) => clearInterval(t as number),
  realTime: () => Date.now(),
  tokenStore: sessionStorage,
})

render(<App c={c} />, document.getElementById('app')!)
