import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import fs from 'node:fs';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { sdkClient, startEmulator } from './emulator.ts';
import { libraryTargets, type LibraryTargets } from './groups.ts';

export interface LibraryFixture extends LibraryTargets {
  emulator: Emulator;
  api: ElastiCacheClient;
  /** The emulator's CA certificate, for the TLS group's clients. */
  ca: Buffer;
  /** The TLS group's AUTH token. */
  token: string;
}

/** Where a library test points its clients: the three groups of a LibraryFixture. */
export type Target = 'primary' | 'cluster' | 'tls';
export const TARGETS: Target[] = ['primary', 'cluster', 'tls'];

/** An ioredis client of `target` as an application makes it: a Cluster on the configuration endpoint. */
export function ioredisClient(f: LibraryFixture, target: Target, options: RedisOptions = {}): Redis | Cluster {
  if (target === 'cluster') return new Cluster([f.config], { redisOptions: options });
  if (target === 'tls') return new Redis({ ...f.secure, tls: { ca: f.ca }, password: f.token, ...options });
  return new Redis({ ...f.primary, ...options });
}

/** A node-redis client of `target` (createCluster on the configuration endpoint), not yet connected. */
export function nodeRedisClient(f: LibraryFixture, target: Target, options: { RESP?: 3; clientSideCache?: { ttl: number; maxEntries: number } } = {}) {
  if (target === 'cluster') return createCluster({ rootNodes: [{ socket: f.config }], ...options });
  return createClient({ ...(target === 'tls' ? { socket: { ...f.secure, tls: true as const, ca: f.ca }, password: f.token } : { socket: f.primary }), ...options });
}

/**
 * The emulator and libraryTargets' three groups (`<id>`, `<id>-cluster`, `<id>-tls` with AUTH token `token`) for
 * the calling file's library tests: made in beforeAll, stopped in afterAll. `prepare` runs first and may name the
 * parameter groups it created; `use` receives everything once made, for the file's own variables.
 */
export function libraryTargetsForTests(
  id: string,
  token: string,
  use: (fixture: LibraryFixture) => void,
  prepare?: (api: ElastiCacheClient) => Promise<{ plain?: string; cluster?: string }>,
): void {
  let emulator: Emulator | undefined;
  let api: ElastiCacheClient | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ transitionDelayMs: 100 });
    api = sdkClient(emulator);
    const targets = await libraryTargets(api, id, token, prepare ? await prepare(api) : {});
    use({ ...targets, emulator, api, ca: fs.readFileSync(emulator.caPath), token });
  }, 60_000);
  afterAll(async () => {
    api?.destroy();
    await emulator?.stop();
  });
}
