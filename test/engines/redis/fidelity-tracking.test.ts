// Client-side caching as redis-server 7.0 does it: the same scenario on both servers, every byte that
// reaches each client compared, pushes included.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Everything a client received up to the reply of a PING sent now (pushes before it included). */
async function drain(c: RawClient): Promise<string[]> {
  c.write(encodeCommand(['PING']));
  const out: string[] = [];
  for (;;) {
    const m = (await c.read()).toString('latin1');
    if (m === '+PONG\r\n' || m === '*2\r\n$4\r\npong\r\n$0\r\n\r\n') return out;
    out.push(m);
  }
}

type Scenario = (port: number) => Promise<string[]>;

async function withClients(port: number, n: number, body: (cs: RawClient[], log: (...xs: (string | string[])[]) => void) => Promise<void>): Promise<string[]> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  const out: string[] = [];
  try {
    await (cs[0] as RawClient).call('FLUSHALL');
    await body(cs, (...xs) => out.push(...xs.flat()));
    return out;
  } finally {
    for (const c of cs) c.close();
  }
}

const SCENARIOS: Record<string, Scenario> = {
  'default mode: only keys read are invalidated, once, after the reply of the own command': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      log(await x.call('HELLO', '3').then(() => 'hello'));
      log(await x.call('CLIENT', 'TRACKING', 'ON'));
      await y.call('MSET', 'k1', '1', 'k2', '2', 'k3', '3');
      log(await x.call('GET', 'k1'), await x.call('MGET', 'k2', 'k3'), await x.call('HGET', 'nohash', 'f'));
      await y.call('SET', 'k1', 'x');
      await y.call('SET', 'k1', 'y');
      await y.call('DEL', 'k2', 'k3', 'nohash');
      log(await drain(x));
      // The own write's invalidation follows the write's reply.
      log(await x.call('GET', 'k1'));
      x.write(encodeCommand(['SET', 'k1', 'mine']));
      log((await x.read()).toString('latin1'), (await x.read()).toString('latin1'));
      log(await x.call('HSET', 'h', 'f', '1'), await x.call('HGET', 'h', 'f'));
      x.write(encodeCommand(['HDEL', 'h', 'f']));
      log((await x.read()).toString('latin1'), (await x.read()).toString('latin1'));
      // Inside MULTI the invalidation comes after EXEC's whole reply.
      log(await x.call('GET', 'a'), await x.call('MULTI'), await x.call('INCR', 'a'), await x.call('GET', 'b'));
      x.write(encodeCommand(['EXEC']));
      log((await x.read()).toString('latin1'), (await x.read()).toString('latin1'));
      log(await x.call('CLIENT', 'TRACKINGINFO'));
    }),
  'BCAST: one message per prefix with the keys changed, NOLOOP skips own changes': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      await x.call('HELLO', '3');
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a:', 'PREFIX', 'b:'));
      await y.call('MULTI');
      for (const k of ['a:2', 'a:1', 'b:1', 'c:1', 'b:2', 'a:1']) await y.call('INCR', k);
      await y.call('EXEC');
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'c:'));
      await y.call('MSET', 'c:9', '1', 'a:9', '1', 'zz', '1');
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKINGINFO'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x:1', 'PREFIX', 'x:'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x:', 'PREFIX', 'x:1'));
      log(await x.call('CLIENT', 'TRACKING', 'OFF'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'));
      await y.call('SET', 'other1', '1');
      log(await x.call('SET', 'loop', '1'));
      await y.call('SET', 'other2', '1');
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKING', 'OFF'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST'));
      log(await x.call('SET', 'self', '1'));
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKINGINFO'));
    }),
  'expired keys are invalidated even under NOLOOP; flushes send a null': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      await x.call('HELLO', '3');
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'));
      log(await x.call('SET', 'gone', 'v', 'PX', '1'));
      const until = Date.now() + 2000;
      while ((await y.call('EXISTS', 'gone')) !== ':0\r\n' && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKING', 'OFF'), await x.call('CLIENT', 'TRACKING', 'ON'));
      log(await x.call('GET', 'f1'));
      await y.call('FLUSHALL');
      log(await drain(x));
      log(await x.call('GET', 'f2'));
      x.write(encodeCommand(['FLUSHDB']));
      log((await x.read()).toString('latin1'), (await x.read()).toString('latin1'));
    }),
  'redirection: RESP2 Pub/Sub targets get messages, RESP3 targets pushes, a gone target is reported': (port) =>
    withClients(port, 4, async ([a, b, r2, r3], log) => {
      const [x, y, t2, t3] = [a, b, r2, r3] as RawClient[] as [RawClient, RawClient, RawClient, RawClient];
      const id2 = (await t2.call('CLIENT', 'ID')).slice(1, -2);
      const id3 = (await t3.call('CLIENT', 'ID')).slice(1, -2);
      log(await t2.call('SUBSCRIBE', 'unrelated'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id2));
      log(await x.call('GET', 'r1'));
      await y.call('SET', 'r1', '1');
      log(await drain(t2));
      await y.call('FLUSHDB');
      log(await drain(t2));
      await t3.call('HELLO', '3');
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id3));
      log(await x.call('GET', 'r2'));
      await y.call('SET', 'r2', '1');
      log(await drain(t3));
      log(await x.call('CLIENT', 'GETREDIR'));
      await x.call('HELLO', '3');
      log(await x.call('GET', 'r3'));
      t3.close();
      const until = Date.now() + 2000;
      while (!(await y.call('CLIENT', 'LIST')).includes(`id=${id3} `) === false && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      await y.call('SET', 'r3', '1');
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKINGINFO'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '987654'));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'OPTIN'));
      log(await x.call('CLIENT', 'TRACKING', 'OFF'));
      log(await x.call('CLIENT', 'TRACKINGINFO'));
    }),
  'OPTIN/OPTOUT with CLIENT CACHING': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      await x.call('HELLO', '3');
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'OPTIN'));
      log(await x.call('GET', 'o1'), await x.call('CLIENT', 'CACHING', 'YES'), await x.call('CLIENT', 'TRACKINGINFO'), await x.call('GET', 'o2'), await x.call('GET', 'o3'));
      await y.call('MSET', 'o1', '1', 'o2', '1', 'o3', '1');
      log(await drain(x));
      log(await x.call('CLIENT', 'TRACKING', 'ON', 'OPTOUT'));
      log(await x.call('CLIENT', 'TRACKING', 'OFF'), await x.call('CLIENT', 'TRACKING', 'ON', 'OPTOUT'));
      log(await x.call('CLIENT', 'CACHING', 'NO'), await x.call('GET', 'o1'), await x.call('GET', 'o2'));
      await y.call('MSET', 'o1', '2', 'o2', '2');
      log(await drain(x));
      log(await x.call('CLIENT', 'CACHING', 'YES'));
    }),
  'tracking-table-max-keys forgets keys with an invalidation; INFO counts': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      await x.call('HELLO', '3');
      log(await x.call('CLIENT', 'TRACKING', 'ON'));
      for (let i = 0; i < 5; i++) log(await x.call('GET', `t${i}`));
      const info = await y.call('INFO');
      log(info.split('\r\n').filter((l) => l.startsWith('tracking_')));
      await y.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
      const got = await drain(x);
      log(String(got.length));
      await y.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
      // Which keys Redis forgets is random; how many remain tracked is not.
      for (let i = 0; i < 5; i++) await y.call('SET', `t${i}`, 'x');
      log(String((await drain(x)).length));
    }),
  'pushes still arrive under CLIENT REPLY OFF': (port) =>
    withClients(port, 2, async ([a, b], log) => {
      const [x, y] = [a as RawClient, b as RawClient];
      await x.call('HELLO', '3');
      log(await x.call('SUBSCRIBE', 'ch'));
      x.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
      await y.call('PUBLISH', 'ch', 'from-other');
      x.write(encodeCommand(['PUBLISH', 'ch', 'self']));
      x.write(encodeCommand(['CLIENT', 'TRACKING', 'ON']));
      x.write(encodeCommand(['GET', 'k']));
      // Nothing answers x now, so its own published message is how we know the server has run its
      // GET (and tracks k) before the other client changes k.
      x.write(encodeCommand(['PUBLISH', 'ch', 'sync']));
      for (;;) {
        const m = (await x.read()).toString('latin1');
        log(m);
        if (m.includes('sync')) break;
      }
      await y.call('SET', 'k', '1');
      x.write(encodeCommand(['GET', 'k']));
      x.write(encodeCommand(['SET', 'k', '2']));
      x.write(encodeCommand(['CLIENT', 'REPLY', 'ON']));
      for (;;) {
        const m = (await x.read()).toString('latin1');
        log(m);
        if (m === '+OK\r\n') break;
      }
    }),
};

describe.skipIf(!available)('client tracking as redis-server 7.0', () => {
  const pair = serverPair();

  for (const [name, run] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      // Client ids differ between the servers; they are numbers in replies, masked the same way.
      const mask = (xs: string[]) =>
        xs.map((s) =>
          s
            .replace(/id=\d+/g, 'id=N')
            .replace(/^:\d{1,6}\r\n$/, ':ID\r\n')
            .replace(/(redirect|tracking-redir-broken)\r\n:\d+/g, '$1\r\n:ID'),
        );
      expect(mask(await run(pair.ours.port))).toEqual(mask(await run(pair.real.port)));
    });
  }
});
