// Memcached libraries as applications use them, against a node of a memcached cluster made through the API and
// a memcached 1.6 the test starts, comparing what the application sees: memcache-client (its own text-protocol
// client: set, get of several keys, gets/cas, add/replace/append/prepend, incr/decr, touch, delete, noreply,
// a raw command, an expiry, a bad key) and Keyv's @keyv/memcache (memjs over the binary protocol: values, TTL expiry,
// delete, clear).
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, waitUntilCacheClusterAvailable } from '@aws-sdk/client-elasticache';
import KeyvMemcache from '@keyv/memcache';
import Keyv from 'keyv';
import { MemcacheClient } from 'memcache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startReal, type Target } from '../engines/memcached/helpers.ts';
import { once } from '../support/compared-servers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { until } from '../support/groups.ts';

const { client: api } = emulatorForTests({ transitionDelayMs: 50 });
let ours: string;
let real: Target | undefined;
beforeAll(async () => {
  if (!realMemcachedAvailable()) throw new Error('memcached is not installed: the libraries are compared with it');
  real = await startReal();
  await api.send(new CreateCacheClusterCommand({ CacheClusterId: 'memlibs', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
  await waitUntilCacheClusterAvailable({ client: api, ...FAST_WAIT }, { CacheClusterId: 'memlibs' });
  const node = (await api.send(new DescribeCacheClustersCommand({ CacheClusterId: 'memlibs', ShowCacheNodeInfo: true }))).CacheClusters![0]!.CacheNodes![0]!;
  ours = `${node.Endpoint!.Address}:${node.Endpoint!.Port}`;
}, 60_000);
afterAll(async () => {
  await real?.close();
});

type Where = 'real' | 'ours';
const server = (where: Where) => (where === 'real' ? `127.0.0.1:${real!.port}` : ours);

function compared(run: (where: Where) => Promise<unknown>): void {
  const transcripts = once<unknown>();
  it('on a node made through the API behaves as on memcached', async () => {
    const theirs = await transcripts('real', () => run('real'));
    expect(await run('ours')).toEqual(theirs);
  }, 20_000);
}

/** What an application sees through memcache-client, failures as their messages. */
async function memcacheClientTranscript(where: Where): Promise<unknown> {
  const client = new MemcacheClient({ server: server(where), cmdTimeout: 3000 });
  const out: Record<string, unknown> = {};
  const attempt = async (name: string, f: () => Promise<unknown>) => {
    out[name] = await f().catch((e: Error) => `error: ${e.message}`);
  };
  try {
    await attempt('set', () => client.set('key', 'data'));
    await attempt('get', async () => (await client.get<string>('key'))?.value);
    await attempt('getMany', async () => {
      await Promise.all([client.set('k1', 'one'), client.set('k2', 'two')]);
      // Several keys come back as an object of results by key (its types describe one result).
      const r = (await client.get<string>(['k1', 'k2', 'nope'])) as unknown as Record<string, { value: unknown } | undefined>;
      return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v?.value]));
    });
    const v = await client.gets<string>('key');
    await attempt('cas', () => client.cas('key', 'casData', { casUniq: v!.casUniq }));
    await attempt('staleCas', () => client.cas('key', 'stale', { casUniq: v!.casUniq }));
    await attempt('afterCas', async () => (await client.get<string>('key'))?.value);
    await attempt('add', () => client.add('key', 'x'));
    await attempt('addNew', () => client.add('fresh', 'x'));
    await attempt('replaceMissing', () => client.replace('missing', 'x'));
    await attempt('appendPrepend', async () => [await client.append('fresh', '>'), await client.prepend('fresh', '<'), (await client.get<string>('fresh'))?.value]);
    await attempt('flags', async () => {
      await client.set('json', { a: [1, 2] });
      await client.set('num', 42);
      return [(await client.get('json'))?.value, (await client.get('num'))?.value];
    });
    await client.set('n', '10');
    await attempt('incr', () => client.incr('n', 5));
    await attempt('decrBelowZero', () => client.decr('n', 20));
    await attempt('incrMissing', () => client.incr('nope', 1));
    await attempt('incrText', () => client.incr('key', 1));
    // A counter that shrank keeps its length, padded with spaces (memcached rewrites it in place).
    await attempt('noreply', async () => {
      await client.set('quiet', 'shh', { noreply: true });
      await client.cmd('incr n 5', { noreply: true });
      return [(await client.get<string>('quiet'))?.value, (await client.get<string>('n'))?.value];
    });
    await attempt('raw', () => client.send('set foo 0 0 5\r\nhello\r\n'));
    await attempt('touch', () => client.touch('foo', '1'));
    await attempt('touchMissing', () => client.touch('nope', '1'));
    await attempt('delete', () => client.delete('foo'));
    await attempt('deleteAgain', () => client.delete('foo'));
    await attempt('expired', async () => {
      await client.set('short', 'gone soon', { lifetime: 1 });
      await until(async () => ((await client.get('short')) === undefined ? true : undefined), 5_000, 'short expired');
      return 'gone';
    });
    await attempt('badKey', () => client.set('has space', 'x'));
    return out;
  } finally {
    client.shutdown();
  }
}

describe('memcache-client', () => compared(memcacheClientTranscript));

/** What an application sees through Keyv on @keyv/memcache. */
async function keyvMemcacheTranscript(where: Where): Promise<unknown> {
  const keyv = new Keyv({ store: new KeyvMemcache(server(where)), namespace: 'app' });
  const errors: string[] = [];
  keyv.on('error', (e: Error) => errors.push(e.message));
  try {
    await keyv.set('user:1', { name: 'ann', roles: ['admin'] });
    const read = await keyv.get('user:1');
    await keyv.set('short', 'lived', 1_000);
    const short = await keyv.get('short');
    await keyv.setMany([{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
    const many = await keyv.getMany(['a', 'b', 'missing']);
    const has = [await keyv.has('a'), await keyv.has('missing')];
    const deleted = [await keyv.delete('a'), await keyv.get('a')];
    await until(async () => ((await keyv.get('short')) === undefined ? true : undefined), 5_000, 'short expired');
    await keyv.clear();
    const cleared = [await keyv.get('user:1'), await keyv.get('b')];
    return { read, short, many, has, deleted, cleared, errors };
  } finally {
    await keyv.disconnect();
  }
}

describe('Keyv with @keyv/memcache', () => compared(keyvMemcacheTranscript));
