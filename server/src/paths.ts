import { fileURLToPath } from 'node:url'
import path from 'node:path'

/** The repository root: this file sits at server/src/paths.ts or server/dist/paths.js. */
export const ROOT_DIR = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
export const DEFAULT_CONFIG_DIR = path.join(ROOT_DIR, 'config')
export const DEFAULT_ADMIN_DIR = path.join(ROOT_DIR, 'admin-ui', 'dist')
