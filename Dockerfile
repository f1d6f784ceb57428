# One image for every role; the command decides:
#   docker run IMAGE run | schedule | backfill ... | status | serve-lookup | simulator --host 0.0.0.0 | ...
# TypeScript runs through tsx (a runtime dependency), so there is no compile step.
#
# No HEALTHCHECK here: the same image runs one-shot jobs, the scheduler and two HTTP servers, so a single
# image-wide probe would be wrong for most roles. Probes are declared per service instead
# (docker-compose.yml health checks, the Cloud Run startup probe in infra/lookup.tf).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Native parts (DuckDB, esbuild) ship as prebuilt platform packages, so no install script is needed;
# --ignore-scripts keeps third-party code from running at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ELT_DUCKDB_PATH=/data/warehouse/elt.duckdb \
    ELT_WORK_DIR=/data/work \
    LOOKUP_PORT=8080
WORKDIR /app
# State lives under /data, owned by the unprivileged user; an empty named volume mounted there
# takes this ownership, so the pipeline can write without running as root. Code stays root-owned (read-only).
RUN mkdir -p /data/warehouse /data/landing /data/work \
    && chown -R node:node /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY pipelines ./pipelines
COPY models ./models
USER node
EXPOSE 8080 8787
# Node as PID 1 ignores signals it has no handler for: run under an init (compose: init: true) so
# `docker stop` ends one-shot commands promptly; the scheduler handles SIGTERM itself.
ENTRYPOINT ["node", "--import", "tsx", "pipelines/cli/main.ts"]
CMD ["run"]
