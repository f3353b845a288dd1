# The MCP host server as an image: `docker build -t mcp-host .` (see compose.yaml for two nodes and Redis).
# Build stage: everything, compiled; then only what runs is kept.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run stage: no compiler, no dev packages, not root. bubblewrap for MCP_SANDBOX=on (the container needs
# user namespaces allowed by its seccomp profile: docs/security.md#process-isolation-the-mcp-sandbox).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 LOG_FORMAT=json WORKSPACE_DIR=/app/workspace USERS_DIR=/app/users
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY public ./public
RUN mkdir -p /app/workspace /app/users && chown node:node /app/workspace /app/users
USER node
EXPOSE 8080
# Liveness only: readiness (/health/ready) is for the load balancer, which takes a draining node out.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains (DRAIN_TIMEOUT_MS, default 30 s): give it that long before a SIGKILL.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
