// Plain TCP connections are read into one buffer the process reuses (engines/direct-read.ts): every
// byte a request needs later (a large value arriving in parts, a request a network fault holds back)
// must have been copied before the next read of any connection overwrites that buffer.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Started } from './helpers.ts';

/** Distinct, binary values: one per client and index, some far larger than the 64 KB read buffer. */
function value(client: number, i: number): Buffer {
  const size = i % 4 === 0 ? 150_000 + i * 1000 : 10 + i;
  const body = randomBytes(size);
  body[0] = client;
  return body;
}

async function writeAndReadBack(port: number, clients: number, perClient: number): Promise<void> {
  const conns = Array.from({ length: clients }, () => new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 }));
  try {
    await Promise.all(conns.map((r) => r.connect()));
    const written = conns.map((_, c) => Array.from({ length: perClient }, (_, i) => value(c, i)));
    // All clients pipeline at once, so their reads interleave in the shared buffer.
    await Promise.all(
      conns.map((r, c) => {
        const p = r.pipeline();
        written[c]?.forEach((v, i) => p.set(`k:${c}:${i}`, v));
        return p.exec();
      }),
    );
    for (const [c, r] of conns.entries()) {
      const p = r.pipeline();
      for (let i = 0; i < perClient; i++) p.getBuffer(`k:${c}:${i}`);
      const got = ((await p.exec()) ?? []).map(([err, v]) => {
        expect(err).toBeNull();
        return v as Buffer;
      });
      expect(got.length).toBe(perClient);
      got.forEach((v, i) => expect(v.equals(written[c]?.[i] as Buffer), `k:${c}:${i}`).toBe(true));
    }
  } finally {
    conns.forEach((r) => r.disconnect());
  }
}

describe('connections read into a shared buffer', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.server.close();
  });

  it('keeps every value of clients pipelining large and small values at once', async () => {
    await writeAndReadBack(s.port, 4, 24);
  });

  it('keeps the bytes of requests an added latency holds back while other reads reuse the buffer', async () => {
    s.server.network.latencyMs = 20;
    try {
      await writeAndReadBack(s.port, 3, 12);
    } finally {
      s.server.network.latencyMs = 0;
    }
  });
});
