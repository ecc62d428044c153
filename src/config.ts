import os from 'node:os';
import path from 'node:path';
import type { PortRange } from './lifecycle/ports.ts';

export interface EmulatorOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  /** Address the API and every node listen on. */
  host?: string;
  /** Where metadata (SQLite), TLS material and later snapshots live. */
  dataDir?: string;
  /** Node and endpoint ports, "A-B"; "ephemeral" (or port 0 with no range) lets the OS pick. */
  nodePortRange?: string;
  /** Region used when a request carries no SigV4 credential scope. */
  region?: string;
  accountId?: string;
  /** Host name put into every endpoint Address (docker-compose users advertise the service name). */
  endpointHost?: string;
  /** How long resources stay in transitional states (creating, modifying, deleting, ...). */
  transitionDelayMs?: number;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
  logRequests?: boolean;
}

export interface ResolvedConfig {
  port: number;
  host: string;
  dataDir: string;
  nodePorts: PortRange;
  region: string;
  accountId: string;
  endpointHost: string;
  transitionDelayMs: number;
  maxBodyBytes: number;
  logRequests: boolean;
}

export const DEFAULTS = {
  port: 9736,
  host: '127.0.0.1',
  // Below Linux's ephemeral port range (32768-60999), so outgoing connections never take a node's port.
  nodePortRange: '21000-21999',
  region: 'us-east-1',
  accountId: '000000000000',
  transitionDelayMs: 500,
  // The Query API's own limit on a request's size is far below this; a megabyte bounds a hostile body.
  maxBodyBytes: 1024 * 1024,
} as const;

/** Environment variables that stand in for each command-line option. */
export const ENV = {
  port: 'ELASTICACHE_LOCAL_PORT',
  host: 'ELASTICACHE_LOCAL_HOST',
  dataDir: 'ELASTICACHE_LOCAL_DATA_DIR',
  nodePortRange: 'ELASTICACHE_LOCAL_NODE_PORT_RANGE',
  region: 'ELASTICACHE_LOCAL_REGION',
  accountId: 'ELASTICACHE_LOCAL_ACCOUNT_ID',
  endpointHost: 'ELASTICACHE_LOCAL_ENDPOINT_HOST',
  transitionDelayMs: 'ELASTICACHE_LOCAL_DELAY_MS',
} as const;

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'elasticache-local');
}

export function parsePortRange(text: string): PortRange {
  if (text === 'ephemeral') return 'ephemeral';
  const m = /^(\d+)-(\d+)$/.exec(text);
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new Error(`invalid node port range "${text}": expected A-B with 1 <= A <= B <= 65535, or "ephemeral"`);
  }
  return { from, to };
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

export function resolveConfig(options: EmulatorOptions): ResolvedConfig {
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${port}`);
  const host = options.host ?? DEFAULTS.host;
  const range = options.nodePortRange ?? (port === 0 ? 'ephemeral' : DEFAULTS.nodePortRange);
  const delay = options.transitionDelayMs ?? DEFAULTS.transitionDelayMs;
  if (!Number.isFinite(delay) || delay < 0) throw new Error(`invalid transition delay ${delay}`);
  return {
    port,
    host,
    dataDir: path.resolve(options.dataDir ?? defaultDataDir()),
    nodePorts: parsePortRange(range),
    region: options.region ?? DEFAULTS.region,
    accountId: options.accountId ?? DEFAULTS.accountId,
    endpointHost: options.endpointHost ?? (isWildcard(host) ? '127.0.0.1' : host),
    transitionDelayMs: delay,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    logRequests: options.logRequests ?? false,
  };
}

/** Where nodes are reached from inside this process (a wildcard bind is reachable on loopback). */
export function connectHost(config: ResolvedConfig): string {
  return isWildcard(config.host) ? '127.0.0.1' : config.host;
}
