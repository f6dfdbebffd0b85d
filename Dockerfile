# One image for every part: `glance-p2p up|registry|seeder|tracker|agent`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm ci runs `prepare`, which compiles src/ into dist/
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV GLANCE_P2P_HOST=0.0.0.0 \
    GLANCE_P2P_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 9191 9292 6969 6969/udp 7000
# a larger initial old space: far fewer full GCs while image bytes stream through (README, tuning)
ENTRYPOINT ["node", "--initial-old-space-size=128", "bin/glance-p2p.js"]
CMD ["up"]
