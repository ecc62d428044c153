// maxmemory-clients as redis-server 7.0 applies it (Redis's unit/client-eviction, replayed as a
// differential): a client whose query buffer, queued transaction, watched keys or subscriptions pass
// the limit is closed unanswered, CLIENT NO-EVICT clients are spared and not counted, lowering the
// limit closes the biggest clients first until the rest fit, and INFO counts evicted_clients.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const needed = realRedisAvailable() || process.env.CI === 'true';

function field(list: string, name: string, f: string): number | null {
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  const m = line === undefined ? null : new RegExp(` ${f}=(\\d+)`).exec(line);
  return m === null ? null : Number(m[1]);
}

async function until(ok: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A named connection that has sent `size` bytes of a bulk argument whose end never comes. */
async function partialClient(port: number, name: string, size: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.call('CLIENT', 'SETNAME', name);
  c.write(`*2\r\n$${size}\r\n${'v'.repeat(size)}`);
  return c;
}

describe.skipIf(!needed)('maxmemory-clients as redis-server 7.0', () => {
  const pair = serverPair();

  async function withControl<T>(port: number, body: (r: RawClient) => Promise<T>): Promise<T> {
    const r = await RawClient.connect(port);
    try {
      await r.call('CONFIG', 'RESETSTAT');
      await r.call('CLIENT', 'SETNAME', 'control');
      await r.call('CLIENT', 'NO-EVICT', 'on');
      return await body(r);
    } finally {
      await r.call('CONFIG', 'SET', 'maxmemory-clients', '0').catch(() => undefined);
      r.close();
    }
  }

  /** Clients of three sizes, then a limit under their total: which names are left, and INFO's count. */
  async function bySize(port: number): Promise<{ left: string[]; evicted: string; grewWithQuery: boolean }> {
    return withControl(port, async (r) => {
      const sizes = [128 * 1024, 1024 * 1024, 3 * 1024 * 1024];
      const clients: RawClient[] = [];
      try {
        for (const [i, size] of sizes.entries()) {
          for (let j = 0; j < 2; j++) clients.push(await partialClient(port, `c${i}x${j}`, size));
          await until(async () => (field(await r.call('CLIENT', 'LIST'), `c${i}x1`, 'qbuf') ?? 0) >= size, `c${i}x1's query buffer`);
        }
        const list = await r.call('CLIENT', 'LIST');
        const grewWithQuery = sizes.every((size, i) => (field(list, `c${i}x0`, 'tot-mem') ?? 0) >= size);
        // Room for the two small ones and the control client: the four bigger ones go.
        const keep = 2 * (field(list, 'c0x0', 'tot-mem') ?? 0) + (field(list, 'control', 'tot-mem') ?? 0) + 50000;
        await r.call('CONFIG', 'SET', 'maxmemory-clients', String(keep));
        const after = await r.call('CLIENT', 'LIST');
        const left = [...after.matchAll(/ name=(\S+) /g)].map((m) => m[1] as string).sort();
        const evicted = /evicted_clients:(\d+)/.exec(await r.call('INFO', 'stats'))?.[1] ?? '?';
        return { left, evicted, grewWithQuery };
      } finally {
        for (const c of clients) c.close();
      }
    });
  }

  it('lowering the limit closes the biggest clients first, and spares CLIENT NO-EVICT', async () => {
    const [ours, real] = [await bySize(pair.ours.port), await bySize(pair.real.port)];
    expect(real).toEqual({ left: ['c0x0', 'c0x1', 'control'], evicted: '4', grewWithQuery: true });
    expect(ours).toEqual(real);
  });

  /** Runs `grow` on a fresh client until it is closed; answers whether it was, and whether `control` stayed. */
  async function evictedBy(port: number, limit: number, grow: (c: RawClient, i: number) => Promise<unknown>): Promise<[boolean, boolean]> {
    return withControl(port, async (r) => {
      await r.call('CONFIG', 'SET', 'maxmemory-clients', String(limit));
      const c = await RawClient.connect(port);
      let closed = false;
      try {
        for (let i = 0; i < 20000 && !closed; i++) {
          try {
            await grow(c, i);
          } catch {
            closed = true;
          }
        }
      } finally {
        c.close();
      }
      return [closed, (await r.call('PING')) === '+PONG\r\n'];
    });
  }

  /** A reply past client-output-buffer-limit's normal hard limit: what the client reads before the close. */
  async function overOutputLimit(port: number): Promise<string> {
    return withControl(port, async (r) => {
      await r.call('SETRANGE', 'big', String(2 * 1024 * 1024), 'v');
      await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0');
      const c = await RawClient.connect(port);
      try {
        const small = await c.call('STRLEN', 'big');
        const big = await c.call('GET', 'big').catch((err: Error) => err.message.replace(/ \(pending.*/, ''));
        return `${small.trim()} then ${big}`;
      } finally {
        c.close();
        await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
        await r.call('DEL', 'big');
      }
    });
  }

  it('a reply past the normal output hard limit closes the client before any of it is sent', async () => {
    const [ours, real] = [await overOutputLimit(pair.ours.port), await overOutputLimit(pair.real.port)];
    expect(real).toBe(':2097153 then connection closed');
    expect(ours).toBe(real);
  });

  it('a growing query buffer, transaction, watch list or subscription list gets its client closed', async () => {
    const cases: [string, number, (c: RawClient, i: number) => Promise<unknown>][] = [
      ['query buffer', 3000000, (c) => c.call('SET', 'k', 'v'.repeat(3000000))],
      ['transaction', 3000000, (c, i) => c.call(...(i === 0 ? ['MULTI'] : ['SET', 'k', 'v'.repeat(750000)]))],
      ['watched keys', 200000, (c, i) => c.call('WATCH', `k${i}`)],
      ['patterns', 200000, (c, i) => c.call('PSUBSCRIBE', `p${i}`)],
    ];
    for (const [what, limit, grow] of cases) {
      const [ours, real] = [await evictedBy(pair.ours.port, limit, grow), await evictedBy(pair.real.port, limit, grow)];
      expect(real, what).toEqual([true, true]);
      expect(ours, what).toEqual(real);
    }
  });
});
