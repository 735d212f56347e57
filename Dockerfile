# The service image: API, worker or both, chosen by ROLE at run time.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY client ./client
COPY console ./console
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# METRICS_PORT: a worker's /metrics, /healthz and /readyz (the API serves them on PORT).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 METRICS_PORT=9464
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 4000 9464
# Alive: the API on PORT, a worker on METRICS_PORT (see src/healthcheck.ts).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/healthcheck.js", "/healthz"]
CMD ["node", "dist/main.js"]
