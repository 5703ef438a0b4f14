/**
 * Whether the journal's directory can be written, tried for real (create, write, remove a probe
 * file), and if not, a message that says why and what to do. A volume that a platform mounts
 * (Railway, `docker run -v`) belongs to root, and a server running as another user cannot write
 * it: that case is named, with the fixes.
 */
import fs from 'node:fs'
import path from 'node:path'

/** The advice for a directory owned by someone else: how the image and Railway are meant to run. */
const OWNER_HINT =
  'a volume mounted by the platform (Railway, docker run -v) belongs to root: start the container as root, so its entrypoint ' +
  'hands the directory to the node user before dropping privileges (the image does so by default), or on Railway set RAILWAY_RUN_UID=0'

function ownerOf(dir: string): number | undefined {
  try {
    return fs.statSync(dir).uid
  } catch {
    return undefined // missing, or a file stands in the path
  }
}

/** Why `dir` cannot hold the journal, or undefined when it can. */
export function stateDirProblem(dir: string, uid = process.getuid?.()): string | undefined {
  const probe = path.join(dir, `.write-check-${process.pid}`)
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(probe, '')
    fs.rmSync(probe)
    return undefined
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const who = uid === undefined ? 'this process' : `this process (uid ${uid})`
    const owner = ownerOf(dir)
    const why =
      e.code === 'EROFS'
        ? 'the filesystem is read-only'
        : (e.code === 'EACCES' || e.code === 'EPERM') && owner !== undefined && owner !== uid
          ? `it is owned by uid ${owner}; ${OWNER_HINT}`
          : undefined
    return `STATE_DIR=${dir} cannot be written by ${who} (${e.message})${why ? `: ${why}` : ''}; or set STATE_DIR=:memory: to run without a journal (a restart then begins a new world)`
  }
}
