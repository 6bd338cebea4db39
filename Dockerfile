# syntax=docker/dockerfile:1
#
# One image per service, built from the same source tree:
#
#   docker build --build-arg APP=ingest    -t movie-recommender-ingest .
#   docker build --build-arg APP=recluster -t movie-recommender-recluster .
#   docker build --build-arg APP=query     -t movie-recommender-query .
#   docker build --build-arg APP=loader    -t movie-recommender-loader .
#
# The image runs `node dist/apps/$APP/src/main.js` as an unprivileged user; arguments given to
# `docker run` (or a Kubernetes `args:`) are passed on, e.g. the loader's ratings file.

# The current Node.js LTS line; the test suite also passes on 20 and 24.
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-alpine AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Every dependency, for the compiler. Install scripts are not needed to compile (no native
# addons are built), so none run; the fixes in patches/ are applied to the installed tree.
FROM base AS deps
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts && npx patch-package

# The sources: whatever .dockerignore lets through, so the compiler sees what `npm run build`
# sees in a checkout.
FROM deps AS build
COPY . .
RUN npm run build

# Production dependencies only: the tree above, pruned, so nothing is downloaded twice.
FROM deps AS prod-deps
RUN npm prune --omit=dev --ignore-scripts

# The bundled MovieLens set, cut down to what the chosen service reads: the loader publishes
# ratings.csv and the catalogue's movies.csv; the services get no data (the query service reads
# titles from the catalogue in Redis). The data set's README (its license) travels with any file
# of it.
FROM base AS data
ARG APP
COPY data/ml-latest-small /data/ml-latest-small
RUN set -eu; \
    cd /data/ml-latest-small; \
    case "${APP}" in \
      loader) keep="README.txt ratings.csv movies.csv" ;; \
      *) keep="" ;; \
    esac; \
    for file in *; do \
      case " ${keep} " in *" ${file} "*) ;; *) rm -f "${file}" ;; esac; \
    done

FROM base AS runtime
ARG APP
RUN case "${APP}" in \
      ingest|recluster|query|loader) ;; \
      *) echo "build arg APP must be one of ingest|recluster|query|loader, got '${APP}'" >&2; exit 1 ;; \
    esac
LABEL org.opencontainers.image.title="movie-recommender-${APP}"
ENV NODE_ENV=production
# Files stay owned by root and read-only to the service user; the service writes nothing here.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/apps ./dist/apps
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=data /data ./data
# A fixed entry point lets the exec-form ENTRYPOINT below (node as PID 1, receiving SIGTERM
# directly) serve every service. Node resolves the link, so relative imports are unchanged.
RUN test -f "dist/apps/${APP}/src/main.js" && ln -s "dist/apps/${APP}/src/main.js" main.js
# The node image's `node` user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
ENTRYPOINT ["node", "/app/main.js"]
