// RESTORE whose TTL has already passed creates nothing. redis-server 7.0.15 then sends its replicas
// `DEL key` when REPLACE deleted an existing value (DEL even under lazyfree-lazy-server-del: the UNLINK
// variant is 7.2's) and nothing when there was no value; ours sent the RESTORE itself, which a replica
// would apply with the stale time. Found by unit/dump's 'RESTORE should not store key that are already
// expired' (whose 7.2 expectation, UNLINK, fails on both servers).
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { SyncStream } from './sync-stream-client.ts';

const available = realRedisAvailable();

/** The body of a bulk reply, bytes kept as latin1 text (a DUMP payload is binary). */
function bulkBody(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

async function streamOf(port: number): Promise<{ stream: string[]; replies: string[]; exists: string }> {
  const r = await RawClient.connect(port);
  await r.call('FLUSHALL');
  await r.call('SELECT', '9');
  await r.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
  await r.call('SET', 'src', 'value');
  const payload = bulkBody(await r.call('DUMP', 'src'));
  await r.call('SET', 'k1', 'old');
  await r.call('RPUSH', 'k2', 'a', 'b', 'c');
  await r.call('SET', 'k3', 'old');
  const { stream } = await SyncStream.attach(port);
  const past = String(Date.now() - 5000);
  const replies: string[] = [];
  try {
    await r.call('CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no');
    replies.push(await r.call('RESTORE', 'k1', past, payload, 'REPLACE', 'ABSTTL'));
    await r.call('CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes');
    replies.push(await r.call('RESTORE', 'k2', past, payload, 'REPLACE', 'ABSTTL'));
    await r.call('CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no');
    // No value to replace: nothing changed, nothing goes out.
    replies.push(await r.call('RESTORE', 'missing', past, payload, 'REPLACE', 'ABSTTL'));
    replies.push(await r.call('RESTORE', 'missing2', past, payload, 'ABSTTL'));
    // A live TTL still goes out as the RESTORE, with its absolute time.
    replies.push(await r.call('RESTORE', 'k3', String(Date.now() + 100000), payload, 'REPLACE', 'ABSTTL'));
    const exists = await r.call('EXISTS', 'k1', 'k2', 'missing', 'missing2', 'k3');
    await r.call('set', '__end__', '1');
    const got = await stream.until('set __end__ 1');
    return { stream: got.map((c) => c.replace(/\b\d{13}\b/g, '<ms>').replace(/^(restore k3 <ms>) .* (replace absttl)$/is, '$1 <payload> $2')), replies, exists };
  } finally {
    stream.close();
    r.close();
  }
}

describe.skipIf(!available)('RESTORE of an already expired value, the replication stream, against redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('REPLACE over a value goes out as DEL, with nothing to replace nothing goes out', async () => {
    const theirs = await streamOf(pair.real.port);
    expect(theirs.stream).toContain('DEL k1');
    const ours = await streamOf(pair.ours.port);
    expect(ours).toEqual(theirs);
  }, 30000);
});
