// Blocking commands against redis-server 7.0: each scenario runs on both servers with several raw
// connections and records what every client received, in order; the transcripts must be equal.
// Clients are known to be blocked by polling INFO (blocked_clients), never by sleeping.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startServer, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type Scenario = (port: number) => Promise<string[]>;

/** Connections for one scenario; the first is the admin that runs FLUSHALL and checks blocking. */
async function connect(port: number, n: number, proto: 2 | 3 = 2): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await RawClient.connect(port);
    if (proto === 3) await c.call('HELLO', '3');
    out.push(c);
  }
  await (out[0] as RawClient).call('FLUSHALL');
  return out;
}

function send(c: RawClient, ...args: string[]): void {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`);
  c.write(Buffer.from(parts.join(''), 'latin1'));
}

async function withClients(port: number, n: number, body: (c: RawClient[]) => Promise<string[]>, proto: 2 | 3 = 2): Promise<string[]> {
  const cs = await connect(port, n, proto);
  try {
    return await body(cs);
  } finally {
    for (const c of cs) c.close();
  }
}

/** Blocks each client in turn with its command, waiting until the server counts it as blocked. */
async function blockInOrder(admin: RawClient, clients: [RawClient, string[]][], already = 0): Promise<void> {
  let n = already;
  for (const [c, cmd] of clients) {
    send(c, ...cmd);
    await waitBlocked(admin, ++n);
  }
}

async function readAll(clients: RawClient[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of clients) out.push((await c.read()).toString('latin1'));
  return out;
}

const SCENARIOS: Record<string, Scenario> = {
  'first blocked is first served, a push of several elements serves several clients in order': (port) =>
    withClients(port, 5, async ([a, b, c, d, e]) => {
      await blockInOrder(a!, [
        [b!, ['BLPOP', 'l', '0']],
        [c!, ['BRPOP', 'l', 'other', '0']],
        [d!, ['BLPOP', 'other', 'l', '0']],
        [e!, ['BLPOP', 'l', '0']],
      ]);
      const out = [await a!.call('RPUSH', 'l', 'x', 'y', 'z')];
      out.push(...(await readAll([b!, c!, d!])));
      out.push(await a!.call('INFO', 'clients').then((s) => (/blocked_clients:\d+/.exec(s) as RegExpExecArray)[0]));
      out.push(await a!.call('LPUSH', 'l', 'w'), ...(await readAll([e!])), await a!.call('EXISTS', 'l'));
      return out;
    }),
  'MULTI/EXEC and a script wake blocked clients once, with the final state': (port) =>
    withClients(port, 3, async ([a, b, c]) => {
      await blockInOrder(a!, [
        [b!, ['BLPOP', 'l', '0']],
        [c!, ['BZPOPMIN', 'z', '0']],
      ]);
      const out: string[] = [];
      for (const cmd of [['MULTI'], ['RPUSH', 'l', 'a'], ['LPOP', 'l'], ['RPUSH', 'l', 'b', 'c'], ['ZADD', 'z', '1', 'm'], ['ZREM', 'z', 'm'], ['EXEC']]) out.push(await a!.call(...cmd));
      out.push(...(await readAll([b!])));
      out.push(await a!.call('EVAL', "redis.call('zadd', KEYS[1], 5, 'p') redis.call('zadd', KEYS[1], 2, 'q') redis.call('zrem', KEYS[1], 'q') return 1", '1', 'z'));
      out.push(...(await readAll([c!])), await a!.call('LRANGE', 'l', '0', '-1'));
      return out;
    }),
  'BLMOVE feeds a client blocked on its destination in the same round': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      await blockInOrder(a!, [
        [b!, ['BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0']],
        [c!, ['BRPOPLPUSH', 'dst', 'end', '0']],
        [d!, ['BLMPOP', '0', '2', 'end', 'x', 'RIGHT', 'COUNT', '5']],
      ]);
      const out = [await a!.call('RPUSH', 'src', 'v1', 'v2')];
      out.push(...(await readAll([b!, c!, d!])));
      out.push(await a!.call('LRANGE', 'src', '0', '-1'), await a!.call('EXISTS', 'dst', 'end'));
      return out;
    }),
  'sorted sets: BZPOPMIN, BZPOPMAX and BZMPOP woken in order': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      await blockInOrder(a!, [
        [b!, ['BZPOPMIN', 'z', '0']],
        [c!, ['BZPOPMAX', 'y', 'z', '0']],
        [d!, ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '10']],
      ]);
      const out = [await a!.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd')];
      out.push(...(await readAll([b!, c!, d!])));
      return out;
    }),
  'a key of the wrong type does not wake list readers; they are served once it is a list again': (port) =>
    withClients(port, 2, async ([a, b]) => {
      await blockInOrder(a!, [[b!, ['BLPOP', 'l', 'l', '0']]]);
      const out = [await a!.call('SET', 'l', 'x'), await a!.call('DEL', 'l'), await a!.call('SADD', 'l', 'm')];
      out.push(await a!.call('INFO', 'clients').then((s) => (/blocked_clients:\d+/.exec(s) as RegExpExecArray)[0]));
      out.push(await a!.call('DEL', 'l'), await a!.call('RPUSH', 'l', 'v'));
      out.push(...(await readAll([b!])));
      return out;
    }),
  'XREAD BLOCK with $ serves every reader the new entry, only the stream that changed': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      await a!.call('XADD', 's', '1-1', 'f', 'v');
      await blockInOrder(a!, [
        [b!, ['XREAD', 'BLOCK', '0', 'STREAMS', 's', 't', '$', '$']],
        [c!, ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 't', 's', '0', '$']],
        [d!, ['XREAD', 'BLOCK', '0', 'STREAMS', 't', '$']],
      ]);
      const out = [await a!.call('XADD', 's', '2-1', 'a', '1'), await a!.call('XADD', 's', '2-2', 'a', '2')];
      out.push(...(await readAll([b!, c!])));
      out.push(await a!.call('XADD', 't', '5-0', 'k', 'v'), ...(await readAll([d!])));
      return out;
    }),
  'XREADGROUP BLOCK: woken by XADD one consumer at a time, by XGROUP DESTROY with -NOGROUP': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      const out = [await a!.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'), await a!.call('XGROUP', 'CREATE', 's', 'h', '$')];
      await blockInOrder(a!, [
        [b!, ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']],
        [c!, ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 's', '>']],
        [d!, ['XREADGROUP', 'GROUP', 'h', 'carol', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']],
      ]);
      out.push(await a!.call('XADD', 's', '1-1', 'f', 'v'));
      out.push(...(await readAll([b!, d!])));
      out.push(await a!.call('XPENDING', 's', 'g'), await a!.call('XPENDING', 's', 'h'));
      out.push(await a!.call('XGROUP', 'DESTROY', 's', 'g'), ...(await readAll([c!])));
      return out;
    }),
  'XREADGROUP BLOCK is unblocked with an error when its stream is deleted or replaced; XREAD BLOCK waits on': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      const out = [await a!.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'), await a!.call('XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM')];
      await blockInOrder(a!, [
        [b!, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>']],
        [c!, ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
        [d!, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 't', '>']],
      ]);
      out.push(await a!.call('DEL', 's'), ...(await readAll([b!])));
      out.push(await a!.call('SET', 't', 'x'), ...(await readAll([d!])));
      out.push(await a!.call('INFO', 'clients').then((s) => (/blocked_clients:\d+/.exec(s) as RegExpExecArray)[0]));
      out.push(await a!.call('XADD', 's', '1-1', 'f', 'v'), ...(await readAll([c!])));
      return out;
    }),
  'timeouts: doubles, errors, RESP3 nulls, no blocking inside MULTI': (port) =>
    withClients(
      port,
      2,
      async ([a, b]) => {
        const out: string[] = [];
        for (const cmd of [
          ['BLPOP', 'l', '0.05'],
          ['BRPOP', 'l', '-1'],
          ['BLPOP', 'l', 'abc'],
          ['BLPOP', 'l', '1e400'],
          ['BLPOP', 'l', 'inf'],
          ['BLPOP', 'l', '-inf'],
          ['BLPOP', 'l', 'nan'],
          ['BLPOP', 'l', '1e5000'],
          ['BLPOP', 'l', '9223372036854776'],
          ['BLPOP', 'l', ' 1'],
          ['BLPOP', 'l', '1 '],
          ['BLPOP', 'l', ''],
          ['BLPOP', 'l', '1e-400'],
          ['BLPOP', 'l', '0x0.1p-4'],
          ['BLPOP', 'l', '.01'],
          ['BLPOP', 'l', '+0.01'],
          ['BZPOPMIN', 'z', '0.01'],
          ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0.01'],
          ['BLMPOP', '0.01', '1', 'l', 'LEFT'],
          ['BZMPOP', '-2', '1', 'z', 'MIN'],
          ['XREAD', 'BLOCK', '20', 'STREAMS', 's', '$'],
          ['XREAD', 'BLOCK', '1.5', 'STREAMS', 's', '$'],
          ['WAIT', '1', '20'],
          ['WAIT', '0', '0'],
        ])
          out.push(await b!.call(...cmd));
        for (const cmd of [['MULTI'], ['BLPOP', 'l', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['BZPOPMAX', 'z', '0'], ['EXEC']]) out.push(await a!.call(...cmd));
        return out;
      },
      3,
    ),
  'CLIENT UNBLOCK with TIMEOUT and ERROR, blocked clients in INFO and CLIENT LIST': (port) =>
    withClients(port, 4, async ([a, b, c, d]) => {
      const ids = [await b!.call('CLIENT', 'ID'), await c!.call('CLIENT', 'ID'), await d!.call('CLIENT', 'ID')].map((r) => r.slice(1, -2));
      await blockInOrder(a!, [
        [b!, ['BLPOP', 'l', '0']],
        [c!, ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
        [d!, ['BZPOPMAX', 'z', '100']],
      ]);
      const info = await a!.call('INFO', 'clients');
      const list = await a!.call('CLIENT', 'LIST');
      const out = [/blocked_clients:\d+/.exec(info)?.[0] ?? '', /clients_in_timeout_table:\d+/.exec(info)?.[0] ?? ''];
      out.push(ids.map((id) => new RegExp(`id=${id} .* flags=(\\w+) .*cmd=(\\S+)`).exec(list)?.slice(1).join(' ')).join(', '));
      out.push(await a!.call('CLIENT', 'UNBLOCK', ids[0] as string, 'TIMEOUT'), ...(await readAll([b!])));
      out.push(await a!.call('CLIENT', 'UNBLOCK', ids[1] as string, 'ERROR'), ...(await readAll([c!])));
      out.push(await a!.call('CLIENT', 'UNBLOCK', ids[0] as string), await a!.call('CLIENT', 'UNBLOCK', ids[2] as string, 'FOO'), await a!.call('CLIENT', 'UNBLOCK', ids[2] as string));
      out.push(...(await readAll([d!])), await b!.call('PING'));
      return out;
    }),
};

describe.skipIf(!available)('blocking commands against redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const theirs = await scenario(pair.real.port);
      expect(await scenario(pair.ours.port)).toEqual(theirs);
    });
  }

  it('DEBUG SLEEP holds blocked timeouts until the sleep ends', async () => {
    for (const port of [pair.real.port, pair.ours.port]) {
      await withClients(port, 2, async ([a, b]) => {
        await blockInOrder(a!, [[b!, ['BLPOP', 'l', '0.05']]]);
        const t0 = Date.now();
        expect(await a!.call('DEBUG', 'SLEEP', '0.4')).toBe('+OK\r\n');
        expect((await b!.read()).toString()).toBe('*-1\r\n');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
        return [];
      });
    }
  });
});

describe('blocking timeouts run on the engine clock', () => {
  it('a blocked client times out when the manual clock passes its deadline, not before', async () => {
    const s = await startServer({}, true);
    const [a, b] = [await RawClient.connect(s.port), await RawClient.connect(s.port)];
    try {
      send(b, 'BLPOP', 'l', '30');
      await waitBlocked(a, 1);
      s.clock?.advance(29_000);
      expect(await a.call('PING')).toBe('+PONG\r\n');
      await waitBlocked(a, 1);
      s.clock?.advance(2_000);
      expect((await b.read()).toString()).toBe('*-1\r\n');
      send(b, 'XREAD', 'BLOCK', '60000', 'STREAMS', 's', '$');
      await waitBlocked(a, 1);
      s.clock?.advance(60_000);
      expect((await b.read()).toString()).toBe('*-1\r\n');
    } finally {
      a.close();
      b.close();
      await s.server.close();
    }
  });
});
