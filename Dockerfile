# signalyard: the compiled server (`node --max-semi-space-size=32 dist/server/main.js`), as `npm start` runs it.
#   docker build -t signalyard .
#   docker run -p 4000:4000 -e DATABASE_URL=postgresql://... -e REDIS_URL=redis://... \
#     -e ADMIN_PASSWORD=... signalyard
# Without DATABASE_URL it uses SQLite in the /app/data volume (one host; several instances need
# PostgreSQL and REDIS_URL: README, "Production").

# Build: node-gyp's toolchain is here in case better-sqlite3 has no prebuilt binary to fetch.
FROM node:20.19-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# what `npm ci`'s postinstall needs: `prisma generate`, then `npm run build` (server and pages)
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY src ./src
COPY console ./console
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# Run: the same Debian (glibc) as the build, so the native module built or fetched there loads.
FROM node:20.19-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
# migrations are applied at start from prisma/ (by our migrator); prisma.config.ts serves the Prisma CLI (migrate status)
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p data && chown node:node data
VOLUME /app/data
USER node
EXPOSE 4000
# 200 when the database (and Redis, when configured) answers
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself, not npm, is PID 1: SIGTERM reaches the server, which stops within 10 s
STOPSIGNAL SIGTERM
# a larger young generation: fewer scavenges under load (README, Operations)
CMD ["node", "--max-semi-space-size=32", "dist/server/main.js"]
