/** Where to reach a Redis Cluster: its seed nodes, and the credentials and TLS that apply to every node. */
export interface ClusterSeeds {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d{1,5})$/;

/**
 * Parses REDIS_CLUSTER_NODES: comma-separated `host:port` seeds, where an entry may be a
 * `redis://` or `rediss://` URL whose credentials and TLS then apply to all. Throws naming the
 * first malformed entry (credentials masked).
 */
export function parseClusterNodes(value: string): ClusterSeeds {
  const seeds: ClusterSeeds = { nodes: [], tls: false };
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const seed = /^rediss?:\/\//.test(entry) ? fromUrl(entry, seeds) : fromHostPort(entry);
    if (!seed) {
      throw new Error(`REDIS_CLUSTER_NODES entry ${JSON.stringify(masked(entry))} is not host:port or a redis:// URL`);
    }
    seeds.nodes.push(seed);
  }
  return seeds;
}

/** The seeds as logs and /health may show them: host:port only. */
export const seedAddresses = (seeds: ClusterSeeds): string =>
  seeds.nodes.map((node) => `${node.host}:${node.port}`).join(',');

function fromHostPort(entry: string): { host: string; port: number } | undefined {
  const match = HOST_PORT.exec(entry);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    return undefined;
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

function fromUrl(entry: string, seeds: ClusterSeeds): { host: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || !url.hostname) {
    return undefined;
  }
  if (url.protocol === 'rediss:') {
    seeds.tls = true;
  }
  if (url.password) {
    seeds.username = decodeURIComponent(url.username) || undefined;
    seeds.password = decodeURIComponent(url.password);
  }
  return fromHostPort(`${url.hostname}:${url.port || '6379'}`);
}

function masked(entry: string): string {
  return entry.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
