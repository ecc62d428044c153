// Session and cache stores on node-redis, through the endpoints the API hands out: connect-redis under
// express-session (session saved, read, touched, destroyed, expired by its TTL, listed by SCAN) and Keyv
// with @keyv/redis, each against a primary endpoint with one replica, a cluster-mode configuration
// endpoint and a TLS + AUTH token group.
import KeyvRedis from '@keyv/redis';
import { RedisStore } from 'connect-redis';
import Keyv from 'keyv';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { createClient, createCluster } from 'redis';
import { describe, expect, it } from 'vitest';
import { until, type Endpoint } from '../support/groups.ts';
import { libraryTargetsForTests } from '../support/library-targets.ts';

type Next = (err?: unknown) => void;
interface SessionRequest extends http.IncomingMessage {
  session: { user?: string; id: string; destroy(cb: Next): void };
  sessionID: string;
}
// express-session ships no types; this is the part an application touches.
const session = createRequire(import.meta.url)('express-session') as (options: Record<string, unknown>) => (req: http.IncomingMessage, res: http.ServerResponse, next: Next) => void;

const TOKEN = 'session-auth-token-0123456789';
let primary: Endpoint;
let config: Endpoint;
let secure: Endpoint;
let ca: Buffer;
libraryTargetsForTests('sessions', TOKEN, (f) => ({ primary, config, secure, ca } = f));

/** What the test reads through the store's own client (a node-redis client or cluster). */
interface SessionClient {
  get(key: string): Promise<string | null>;
  ttl(key: string): Promise<number>;
  pTTL(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<number>;
  exists(key: string): Promise<number>;
}

/** A small app: /login stores a user in the session, /me reads it, /logout destroys it. */
async function sessionApp(client: SessionClient, maxAge: number): Promise<{ url: string; store: RedisStore; close(): Promise<void> }> {
  const store = new RedisStore({ client, prefix: 'sess:' });
  const middleware = session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false, cookie: { maxAge } });
  const server = http.createServer((req, res) =>
    middleware(req, res, (err) => {
      const r = req as SessionRequest;
      if (err) return void res.writeHead(500).end(String(err));
      if (req.url === '/login') {
        r.session.user = 'ann';
        return void res.end('welcome');
      }
      if (req.url === '/logout') return void r.session.destroy((e) => res.writeHead(e ? 500 : 200).end(e ? String(e) : 'bye'));
      res.end(r.session.user ?? 'anonymous');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, store, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function get(url: string, cookie?: string): Promise<{ body: string; cookie?: string }> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  return { body: await res.text(), cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

async function exerciseSessions(client: SessionClient): Promise<void> {
  const app = await sessionApp(client, 60_000);
  try {
    const login = await get(`${app.url}/login`);
    expect(login.body).toBe('welcome');
    const cookie = login.cookie!;
    const key = `sess:${decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]}`;
    expect(JSON.parse((await client.get(key))!)).toMatchObject({ user: 'ann' });
    expect(await client.ttl(key)).toBeGreaterThan(50);
    expect((await get(`${app.url}/me`, cookie)).body).toBe('ann');

    // An unchanged session is touched (EXPIRE) on each request: its TTL goes back up.
    await client.expire(key, 5);
    expect((await get(`${app.url}/me`, cookie)).body).toBe('ann');
    expect(await client.ttl(key)).toBeGreaterThan(50);

    const other = (await get(`${app.url}/login`)).cookie!;
    expect(await new Promise<number>((resolve, reject) => app.store.length((e: unknown, n: number) => (e ? reject(e) : resolve(n))))).toBe(2);
    const all = await new Promise<{ user: string }[]>((resolve, reject) => app.store.all((e: unknown, s: { user: string }[]) => (e ? reject(e) : resolve(s))));
    expect(all.map((s) => s.user)).toEqual(['ann', 'ann']);

    expect((await get(`${app.url}/logout`, cookie)).body).toBe('bye');
    expect(await client.exists(key)).toBe(0);
    expect((await get(`${app.url}/me`, cookie)).body).toBe('anonymous');
    expect((await get(`${app.url}/me`, other)).body).toBe('ann');
    await new Promise<void>((resolve, reject) => app.store.clear((e: unknown) => (e ? reject(e) : resolve())));
    expect((await get(`${app.url}/me`, other)).body).toBe('anonymous');
  } finally {
    await app.close();
  }
  // The cookie's maxAge becomes the key's TTL: the session is gone once it passes.
  const short = await sessionApp(client, 1000);
  try {
    const cookie = (await get(`${short.url}/login`)).cookie!;
    const key = `sess:${decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]}`;
    expect(await client.pTTL(key)).toBeLessThanOrEqual(1000);
    await until(async () => ((await client.exists(key)) === 0 ? true : undefined), 10_000, key);
    expect((await get(`${short.url}/me`, cookie)).body).toBe('anonymous');
  } finally {
    await short.close();
  }
}

describe('connect-redis with express-session', () => {
  it('keeps sessions on the primary endpoint', async () => {
    const client = createClient({ socket: primary });
    await client.connect();
    try {
      await exerciseSessions(client as unknown as SessionClient);
    } finally {
      client.destroy();
    }
  }, 30_000);

  it('keeps sessions on a cluster-mode configuration endpoint (node-redis createCluster)', async () => {
    const client = createCluster({ rootNodes: [{ socket: config }] });
    await client.connect();
    try {
      await exerciseSessions(client as unknown as SessionClient);
    } finally {
      client.destroy();
    }
  }, 30_000);

  it('keeps sessions over TLS with the AUTH token', async () => {
    const client = createClient({ socket: { ...secure, tls: true, ca }, password: TOKEN });
    await client.connect();
    try {
      await exerciseSessions(client as unknown as SessionClient);
    } finally {
      client.destroy();
    }
  }, 30_000);
});

async function exerciseKeyv(keyv: Keyv): Promise<void> {
  await keyv.set('user:1', { name: 'ann', roles: ['admin'] });
  expect(await keyv.get('user:1')).toEqual({ name: 'ann', roles: ['admin'] });
  await keyv.set('short', 'lived', 300);
  expect(await keyv.get('short')).toBe('lived');
  await keyv.setMany([{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
  expect(await keyv.getMany(['a', 'b', 'missing'])).toEqual([1, 2, undefined]);
  expect(await keyv.has('a')).toBe(true);
  expect(await keyv.delete('a')).toBe(true);
  expect(await keyv.get('a')).toBeUndefined();
  await until(async () => ((await keyv.get('short')) === undefined ? true : undefined), 10_000, 'short expired');
  await keyv.clear();
  expect(await keyv.get('user:1')).toBeUndefined();
  expect(await keyv.get('b')).toBeUndefined();
}

describe('Keyv with @keyv/redis', () => {
  it('stores, expires and clears on the primary endpoint', async () => {
    const keyv = new Keyv(new KeyvRedis({ socket: primary }, { namespace: 'cache' }));
    try {
      await exerciseKeyv(keyv);
    } finally {
      await keyv.disconnect();
    }
  }, 20_000);

  it('stores, expires and clears on a cluster-mode configuration endpoint', async () => {
    const keyv = new Keyv(new KeyvRedis({ rootNodes: [{ socket: config }] }, { namespace: 'cache' }));
    try {
      await exerciseKeyv(keyv);
    } finally {
      await keyv.disconnect();
    }
  }, 20_000);

  it('stores, expires and clears over TLS with the AUTH token', async () => {
    const keyv = new Keyv(new KeyvRedis({ socket: { ...secure, tls: true, ca }, password: TOKEN }, { namespace: 'cache' }));
    try {
      await exerciseKeyv(keyv);
    } finally {
      await keyv.disconnect();
    }
  }, 20_000);
});
