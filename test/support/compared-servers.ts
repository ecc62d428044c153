import { Cluster, Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { realRedisAvailable, startRealRedis, type RealRedis } from '../engines/redis/helpers.ts';
import { ioredisClient, nodeRedisClient, type LibraryFixture } from './library-targets.ts';

/**
 * One server a library test connects to, in the shape most clients take as options: the plain and TLS + AUTH
 * groups made through the API, or a real redis-server the test started to see what the library does there.
 */
export interface ServerAddress {
  host: string;
  port: number;
  tls?: { ca: Buffer };
  password?: string;
}

/** Which server a compared scenario runs on. */
export type ComparedServer = 'real' | 'primary' | 'tls';
/** The API-made servers a compared scenario runs on, each compared with the real one. */
export const OUR_SERVERS: Exclude<ComparedServer, 'real'>[] = ['primary', 'tls'];

export function serverAddress(f: LibraryFixture, real: RealRedis, which: ComparedServer): ServerAddress {
  if (which === 'real') return { host: '127.0.0.1', port: real.port };
  if (which === 'tls') return { ...f.secure, tls: { ca: f.ca }, password: f.token };
  return { ...f.primary };
}

/**
 * A redis-server for the calling file's tests, started in beforeAll and stopped in afterAll (a stand-in until then).
 * Without redis-server the file's comparisons cannot run: outside CI they fail with that reason, in CI at once.
 */
export function realRedisForTests(extra: string[] = []): RealRedis {
  let real: RealRedis | undefined;
  beforeAll(async () => {
    if (!realRedisAvailable()) throw new Error('redis-server is not installed: the libraries are compared with it');
    real = await startRealRedis(extra);
  }, 30_000);
  afterAll(async () => {
    await real?.stop();
  });
  return {
    get port() {
      if (!real) throw new Error('the real redis-server is used before its beforeAll started it');
      return real.port;
    },
    stop: async () => real?.stop(),
  };
}

/** Memoizes one transcript per key, so the real server's run happens once however many servers compare with it. */
export function once<T>(): (key: string, run: () => Promise<T>) => Promise<T> {
  const runs = new Map<string, Promise<T>>();
  return (key, run) => {
    let p = runs.get(key);
    if (!p) runs.set(key, (p = run()));
    return p;
  };
}

/**
 * The keys a library left on a server, each with its type, element count and whether it expires: a shape to
 * compare with redis-server's where values themselves carry times or random ids.
 */
export async function keyspaceShape(client: { keys(pattern: string): Promise<string[]>; type(key: string): Promise<string>; pttl(key: string): Promise<number>; call(...args: string[]): Promise<unknown> }, pattern = '*'): Promise<string[]> {
  const sizeCommand: Record<string, string> = { string: 'STRLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', hash: 'HLEN', stream: 'XLEN' };
  const keys = (await client.keys(pattern)).sort();
  return Promise.all(
    keys.map(async (key) => {
      const type = await client.type(key);
      const size = sizeCommand[type] ? await client.call(sizeCommand[type]!, key) : '?';
      return `${key} ${type} ${String(size)}${(await client.pttl(key)) > 0 ? ' expires' : ''}`;
    }),
  );
}

/**
 * ioredis and node-redis clients of one compared server or of the cluster-mode endpoint, as an application
 * configures them; `fixture` is read when a client is made (the groups exist only once beforeAll ran).
 */
export function comparedClients(fixture: () => LibraryFixture, real: RealRedis) {
  return {
    ioredis(where: ComparedServer | 'cluster'): Redis | Cluster {
      if (where === 'real') return new Redis({ host: '127.0.0.1', port: real.port });
      return ioredisClient(fixture(), where);
    },
    async nodeRedis(where: ComparedServer | 'cluster') {
      const client = where === 'real' ? createClient({ socket: { host: '127.0.0.1', port: real.port } }) : nodeRedisClient(fixture(), where);
      await client.connect();
      return client;
    },
  };
}
