# Keyflow's worker, API and codec server: one image, built once, run as a non-root user.
#   docker build -t keyflow .
#   docker run --env-file keyflow.env keyflow                          # the API (default command)
#   docker run --env-file keyflow.env keyflow node dist/worker/main.js # a worker
# docker-compose.temporal.yml and deploy/k8s/ run it; the README says how.

FROM node:24.11-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The install applies patches/ to node_modules (postinstall: patch-package); pruning keeps them.
COPY patches ./patches
# Every dependency, build tools included; install scripts that fetch binaries from elsewhere are not needed.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
# `prisma generate` needs no schema engine; pointing it at any file stops it from downloading one.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/usr/local/bin/node npx prisma generate \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24.11-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
# The image's unprivileged `node` user (uid 1000), by number so Kubernetes can check runAsNonRoot;
# nothing in /app is writable by it.
USER 1000:1000
# API, API metrics, worker metrics, SDK metrics, codec server.
EXPOSE 3000 9463 9464 9465 8888
CMD ["node", "dist/api/main.js"]
