# syntax=docker/dockerfile:1
# Build stage: install everything, build shared-types, server and the admin bundle.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared-types/package.json shared-types/
COPY server/package.json server/
COPY admin-ui/package.json admin-ui/
RUN npm ci --no-audit --no-fund
COPY shared-types shared-types
COPY server server
COPY admin-ui admin-ui
COPY config config
COPY scripts scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: build output, production dependencies and the config data only.
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
# glibc raises its mmap threshold each time a large block is freed, after which the world's
# typed arrays (a rebuild frees ~70 MB of them) come from heaps it rarely gives back: a fixed
# threshold returns them to the OS, two arenas keep threads from holding their own (README: Performance).
ENV MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/shared-types/package.json shared-types/package.json
COPY --from=build /app/shared-types/dist shared-types/dist
COPY --from=build /app/server/package.json server/package.json
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/admin-ui/package.json admin-ui/package.json
COPY --from=build /app/admin-ui/dist admin-ui/dist
COPY --from=build /app/config config
COPY --from=build /app/scripts/start.mjs /app/scripts/export.mjs /app/scripts/docker-entrypoint.sh scripts/
COPY --from=build /app/scripts/lib/build.mjs scripts/lib/build.mjs
# The control journal. No VOLUME here (Railway refuses the instruction): attach a volume at
# /app/data in the platform so a redeploy replays the world (README: Deploying).
ENV STATE_DIR=/app/data
RUN mkdir -p /app/data && chown node:node /app/data
# No USER: the container starts as root so the entrypoint can hand a root-owned volume to
# `node`; it then drops root (setpriv, util-linux) before the server starts.
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
EXPOSE 3000
# What `npm start` runs, without npm between the signals and the server; with no sources in
# the image, start.mjs builds nothing.
CMD ["node", "scripts/start.mjs"]
