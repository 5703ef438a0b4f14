#!/bin/sh
# The container's entrypoint. A volume attached by the platform (Railway, docker run -v) is
# mounted owned by root, and the server runs as an unprivileged user (APP_USER, `node` in the
# image). Started as root, the image's default, this hands STATE_DIR to that user and then
# drops root for good before the server starts. Started as any other user (docker run --user,
# a platform that forces one), it changes nothing: if STATE_DIR cannot be written the server
# stops at boot with a message that says why and what to do.
set -eu
user="${APP_USER:-node}"
dir="${STATE_DIR:-}"
if [ "$(id -u)" = "0" ]; then
  if [ -n "$dir" ] && [ "$dir" != ":memory:" ]; then
    mkdir -p "$dir"
    # The journal and the copies kept beside it: a few small files, so -R costs nothing.
    chown -R "$user:" "$dir" || echo "entrypoint: could not give $dir to $user; the server will say whether it can write it" >&2
  fi
  entry=$(getent passwd "$user")
  gid=$(echo "$entry" | cut -d: -f4)
  home=$(echo "$entry" | cut -d: -f6)
  exec env HOME="${home:-/tmp}" setpriv --reuid="$user" --regid="$gid" --init-groups -- "$@"
fi
exec "$@"
