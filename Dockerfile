# jitbridge: the compiled server on Node 20, production dependencies only, as a non-root user.
#   docker build -t jitbridge .
#   docker run -p 8080:8080 -v jitbridge-data:/data jitbridge
# compose.yaml runs it beside PostgreSQL. Settings are environment variables (README, "Configuration").

# 1. Build: all dependencies (TypeScript), then src/ → dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ensure-build.js scripts/ensure-build.js
COPY src/ src/
# The admin console (Preact, built by Vite into dist/console-app) and the API document its client is typed from.
COPY console/ console/
COPY openapi/admin.openapi.json openapi/admin.openapi.json
RUN node scripts/ensure-build.js --force

# 2. Production dependencies only (no TypeScript, test or lint tools).
FROM node:20-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. The image: dist/, the migrations, the command line, and the production node_modules.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY drizzle/ drizzle/
COPY bin/ bin/
# DATA_DIR holds the embedded database (when DATABASE_URL is unset) and the generated secrets key.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1's program (no npm, no shell): it receives the container's SIGTERM and stops cleanly.
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=16", "--initial-old-space-size=128", "--no-allocation-site-pretenuring", "dist/server.js"]
