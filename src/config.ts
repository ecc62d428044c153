import os from 'node:os';
import path from 'node:path';
import { isAccountId, isRegion } from './catalog/regions.ts';
import type { PortRange } from './lifecycle/ports.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.ts';

/** An access key the emulator knows: its secret (for --verify-signatures) and, optionally, its account. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId?: string;
}

export interface EmulatorOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  /** Address the API and every node listen on. */
  host?: string;
  /** Where metadata (SQLite), TLS material and later snapshots live. */
  dataDir?: string;
  /** Node and endpoint ports, "A-B"; "ephemeral" (or port 0 with no range) lets the OS pick. */
  nodePortRange?: string;
  /**
   * Where a replication group created without Port puts its primary (or configuration) endpoint: Redis's 6379
   * as on AWS, so that Terraform, which reads an unset `port` as 6379, plans no change. Taken from the range
   * instead when another resource has it or another program holds it, or when this is 0. Default 6379 with
   * a port range, 0 with ephemeral ports.
   */
  redisDefaultPort?: number;
  /**
   * When a replication group's port (6379, or the Port it asked for) is already another group's, or another
   * program's, at the host: give its endpoint that port at another loopback address (127.0.0.2 ...) instead of
   * another port, as AWS gives every group a DNS name of its own on the same port. Only with host and
   * endpoint host 127.0.0.1, on Linux, where all of 127.0.0.0/8 is loopback. Default on there.
   */
  loopbackAliases?: boolean;
  /**
   * Each Redis node of a cache cluster or a group with cluster mode disabled runs in its own worker thread
   * (bench/redis-throughput.md says what it costs and gains). Off by default.
   */
  nodeThreads?: boolean;
  /** Region used when a request carries no SigV4 credential scope. */
  region?: string;
  accountId?: string;
  /** Host name put into every endpoint Address (docker-compose users advertise the service name). */
  endpointHost?: string;
  /** How long resources stay in transitional states (creating, modifying, deleting, ...). */
  transitionDelayMs?: number;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
  /** Every API request and its answer in the log (at info). */
  logRequests?: boolean;
  /** The least severe log messages written (trace ... fatal), or silent. */
  logLevel?: LogLevel;
  /** Access keys with their secrets: they sign IAM auth tokens and, with verifySignatures, every API request. */
  credentials?: AccessKey[];
  /** Check every API request's SigV4 signature against `credentials`, as AWS does. */
  verifySignatures?: boolean;
}

export interface ResolvedConfig {
  port: number;
  host: string;
  dataDir: string;
  nodePorts: PortRange;
  redisDefaultPort: number;
  /** The loopback addresses besides the host a group's endpoint may use (empty: off). */
  loopbackAliases: string[];
  nodeThreads: boolean;
  region: string;
  accountId: string;
  endpointHost: string;
  transitionDelayMs: number;
  maxBodyBytes: number;
  logRequests: boolean;
  logLevel: LogLevel;
  credentials: ReadonlyMap<string, AccessKey>;
  verifySignatures: boolean;
}

export const DEFAULTS = {
  port: 9736,
  host: '127.0.0.1',
  // Below Linux's ephemeral port range (32768-60999), so outgoing connections never take a node's port.
  nodePortRange: '21000-21999',
  redisDefaultPort: 6379,
  region: 'us-east-1',
  accountId: '000000000000',
  transitionDelayMs: 500,
  // The Query API's own limit on a request's size is far below this; a megabyte bounds a hostile body.
  maxBodyBytes: 1024 * 1024,
  logLevel: 'info',
} as const;

/** Environment variables that stand in for each command-line option. */
export const ENV = {
  port: 'ELASTICACHE_LOCAL_PORT',
  host: 'ELASTICACHE_LOCAL_HOST',
  dataDir: 'ELASTICACHE_LOCAL_DATA_DIR',
  nodePortRange: 'ELASTICACHE_LOCAL_NODE_PORT_RANGE',
  redisDefaultPort: 'ELASTICACHE_LOCAL_REDIS_DEFAULT_PORT',
  loopbackAliases: 'ELASTICACHE_LOCAL_LOOPBACK_ALIASES',
  nodeThreads: 'ELASTICACHE_LOCAL_NODE_THREADS',
  region: 'ELASTICACHE_LOCAL_REGION',
  accountId: 'ELASTICACHE_LOCAL_ACCOUNT_ID',
  endpointHost: 'ELASTICACHE_LOCAL_ENDPOINT_HOST',
  transitionDelayMs: 'ELASTICACHE_LOCAL_DELAY_MS',
  credentials: 'ELASTICACHE_LOCAL_CREDENTIALS',
  verifySignatures: 'ELASTICACHE_LOCAL_VERIFY_SIGNATURES',
  logLevel: 'ELASTICACHE_LOCAL_LOG_LEVEL',
} as const;

/** `KEY:SECRET[:ACCOUNT]`, comma-separated (neither access key ids nor secrets contain `:` or `,`). */
export function parseCredentials(text: string): AccessKey[] {
  return text
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item) => {
      const [accessKeyId, secretAccessKey, accountId, ...rest] = item.trim().split(':');
      if (!accessKeyId || !secretAccessKey || rest.length > 0) {
        throw new Error(`invalid credentials "${item}": expected ACCESS_KEY_ID:SECRET_ACCESS_KEY[:ACCOUNT_ID]`);
      }
      return { accessKeyId, secretAccessKey, accountId: accountId || undefined };
    });
}

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

// 62 more groups can have the same port: the server certificate names each address (see tls()).
const ALIAS_COUNT = 62;

function loopbackAliases(wanted: boolean | undefined, host: string, endpointHost: string): string[] {
  const possible = process.platform === 'linux' && host === '127.0.0.1' && endpointHost === '127.0.0.1';
  if (wanted && !possible) throw new Error('loopback aliases need --host 127.0.0.1 and no other --endpoint-host, on Linux');
  if (!(wanted ?? possible)) return [];
  return Array.from({ length: ALIAS_COUNT }, (_, i) => `127.0.0.${i + 2}`);
}

export function resolveConfig(options: EmulatorOptions): ResolvedConfig {
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${port}`);
  const host = options.host ?? DEFAULTS.host;
  const range = options.nodePortRange ?? (port === 0 ? 'ephemeral' : DEFAULTS.nodePortRange);
  const nodePorts = parsePortRange(range);
  const redisDefaultPort = options.redisDefaultPort ?? (nodePorts === 'ephemeral' ? 0 : DEFAULTS.redisDefaultPort);
  if (!Number.isInteger(redisDefaultPort) || redisDefaultPort < 0 || redisDefaultPort > 65535) throw new Error(`invalid Redis default port ${redisDefaultPort}`);
  const delay = options.transitionDelayMs ?? DEFAULTS.transitionDelayMs;
  if (!Number.isFinite(delay) || delay < 0) throw new Error(`invalid transition delay ${delay}`);
  // Both become folder names under the data directory: only AWS's own forms are accepted.
  const region = options.region ?? DEFAULTS.region;
  if (!isRegion(region)) throw new Error(`invalid region "${region}": not an AWS region name`);
  const accountId = options.accountId ?? DEFAULTS.accountId;
  if (!isAccountId(accountId)) throw new Error(`invalid account id "${accountId}": expected 12 digits`);
  const credentials = new Map<string, AccessKey>();
  for (const key of options.credentials ?? []) {
    if (key.accountId !== undefined && !isAccountId(key.accountId)) {
      throw new Error(`invalid account id "${key.accountId}" for access key ${key.accessKeyId}: expected 12 digits`);
    }
    credentials.set(key.accessKeyId, key);
  }
  // The CLI logs at info by default; start() inside a test suite stays quiet unless asked.
  const logLevel: string = options.logLevel ?? 'warn';
  if (!isLogLevel(logLevel)) throw new Error(`invalid log level "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}`);
  if (options.verifySignatures && credentials.size === 0) {
    throw new Error('--verify-signatures needs at least one access key (--credentials KEY:SECRET[:ACCOUNT])');
  }
  const endpointHost = options.endpointHost ?? (isWildcard(host) ? '127.0.0.1' : host);
  return {
    port,
    host,
    dataDir: path.resolve(options.dataDir ?? defaultDataDir()),
    nodePorts,
    redisDefaultPort,
    loopbackAliases: loopbackAliases(options.loopbackAliases, host, endpointHost),
    nodeThreads: options.nodeThreads ?? false,
    region,
    accountId,
    endpointHost,
    transitionDelayMs: delay,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    logRequests: options.logRequests ?? false,
    logLevel,
    credentials,
    verifySignatures: options.verifySignatures ?? false,
  };
}

/** Where nodes are reached from inside this process (a wildcard bind is reachable on loopback). */
export function connectHost(config: ResolvedConfig): string {
  return isWildcard(config.host) ? '127.0.0.1' : config.host;
}
