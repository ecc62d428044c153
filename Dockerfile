FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY bin ./bin
COPY src ./src
COPY engines ./engines
ENV ELASTICACHE_LOCAL_HOST=0.0.0.0 \
    ELASTICACHE_LOCAL_DATA_DIR=/data
VOLUME /data
EXPOSE 9736 21000-21099
ENTRYPOINT ["node", "bin/elasticache-local.mjs"]
