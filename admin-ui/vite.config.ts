import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'

// Served by the Fastify server under /admin; `npm run dev` proxies the API to a local server.
export default defineConfig({
  base: '/admin/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/ws': { target: 'ws://127.0.0.1:3000', ws: true } } },
})
