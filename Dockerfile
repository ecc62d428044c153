# Build stage: `npm ci` installs everything and its `prepare` compiles to dist/; dev packages are then pruned.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY engines ./engines
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The node port range is the one exposed (and the compose file publishes): a create that needs more ports
# than it has free is refused with InsufficientCacheClusterCapacity instead of listening where no one can reach.
ENV ELASTICACHE_LOCAL_HOST=0.0.0.0 \
    ELASTICACHE_LOCAL_DATA_DIR=/data \
    ELASTICACHE_LOCAL_NODE_PORT_RANGE=21000-21099
VOLUME /data
# 6379: a replication group created without Port gets it, as on AWS (see --redis-default-port).
EXPOSE 9736 21000-21099 6379
ENTRYPOINT ["node", "bin/elasticache-local.mjs"]
