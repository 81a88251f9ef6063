# syntax=docker/dockerfile:1
# One image, two entrypoints (docs/adr/0002-images.md):
#   runner    node bin/swarmlab.js run-index --spec ... --index $JOB_COMPLETION_INDEX   (the default ENTRYPOINT)
#   operator  node operator/src/main.ts                                                 (the chart sets `command`)
# Node 24 runs the TypeScript sources directly, so there is no build stage: the
# first stage only resolves production dependencies.
# Keep the Node version equal to NODE_VERSION in versions.env (a unit test checks).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency needs an install script, and none may run one at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS swarmlab
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/swarmlab/swarmlab
LABEL org.opencontainers.image.title="swarmlab" \
      org.opencontainers.image.description="Deterministic multi-agent stress experiments: runner and Kubernetes operator" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
# HOME and TMPDIR point at /tmp, which the pod mounts as an emptyDir: the root
# filesystem stays read-only and nothing here writes outside /tmp.
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp
WORKDIR /app
# Owned by root and not writable by the runtime user.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY runner/src ./runner/src
COPY operator/src ./operator/src
USER 65532:65532
ENTRYPOINT ["node", "bin/swarmlab.js"]
CMD ["--help"]
