// ElastiCache auto discovery: the cluster map a node hands to cluster-aware clients.
import type { ClusterConfig } from './context.ts';

/** "<version>\n<host>|<ip>|<port> ...\n": the two-line payload AWS documents. */
export function clusterPayload(config: ClusterConfig): string {
  const nodes = config.nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(' ');
  return `${config.version}\n${nodes}\n`;
}

/** Reply to `config get cluster`. */
export function configGetClusterReply(config: ClusterConfig): string {
  const payload = clusterPayload(config);
  return `CONFIG cluster 0 ${Buffer.byteLength(payload, 'latin1')}\r\n${payload}\r\nEND\r\n`;
}

/** Key that pre-1.4.14 clients read with a plain `get`. */
export const LEGACY_DISCOVERY_KEY = 'AmazonElastiCache:cluster';
