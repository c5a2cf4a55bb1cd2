# vigil as a container: the compiled engine on Node.js 20.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# ssh for playbook steps; the rest of the fleet inventory comes in as a mounted ~/.ssh.
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client && rm -rf /var/lib/apt/lists/*
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run", "--config", "/etc/vigil/vigil.yaml"]
