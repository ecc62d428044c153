// A script that outlives its slice is suspended and the event loop serves other nodes meanwhile; a replica
// on the same thread holds its primary's very value objects (replication-share.ts), so its clients wait
// until the script (and the rest of an EXEC it runs in) is over: they see all of its writes or none, as
// redis-server's replicas, which get a script's effects as one MULTI/EXEC.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeCommand, RawClient, startServer, waitUntil, type Started } from './helpers.ts';

let primary: Started;
let replica: Started;

beforeAll(async () => {
  primary = await startServer();
  replica = await startServer();
  replica.server.replicaOf(primary.server);
  const c = await RawClient.connect(primary.port);
  try {
    // A hash both nodes hold as one object: the script's HSETs change it in place.
    expect(await c.call('HSET', 'h', 'f0', 'v')).toBe(':1\r\n');
  } finally {
    c.close();
  }
  await waitUntil('the replica synced', async () => (await ask(replica.port, ['HLEN', 'h'])) === ':1\r\n', 30_000);
});

afterAll(async () => {
  await replica?.server.close();
  await primary?.server.close();
});

async function ask(port: number, cmd: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(...cmd);
  } finally {
    c.close();
  }
}

/** A loop long enough to be suspended several times (a few hundred ms of fengari). */
const LONG_LOOP = 'local n = 0 for i = 1, 3000000 do n = n + 1 end';

/** Sends `cmds` to the primary and, until their last reply, asks the replica each of `probes`: every answer given to each. */
async function probeWhile(cmds: string[][], probes: string[][]): Promise<{ replies: string[]; seen: Set<string>[] }> {
  const writer = await RawClient.connect(primary.port);
  const readers = await Promise.all(probes.map(() => RawClient.connect(replica.port)));
  try {
    writer.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
    let done = false;
    const replies = (async () => {
      const out: string[] = [];
      for (let i = 0; i < cmds.length; i++) out.push((await writer.read(60_000)).toString('latin1'));
      done = true;
      return out;
    })();
    const seen = await Promise.all(
      probes.map(async (probe, i) => {
        const reader = readers[i] as RawClient;
        const answers = new Set<string>();
        do answers.add(await reader.call(...probe));
        while (!done);
        // Once more after the write: its effect must be whole there too.
        answers.add(await reader.call(...probe));
        return answers;
      }),
    );
    return { replies: await replies, seen };
  } finally {
    writer.close();
    for (const r of readers) r.close();
  }
}

const NONE = '*2\r\n$-1\r\n$-1\r\n';
const BOTH = '*2\r\n$1\r\n1\r\n$1\r\n1\r\n';

it('a suspended EVAL: clients of a same-thread replica see its writes whole, in a shared hash and in new keys', async () => {
  const script = `redis.call('HSET', KEYS[1], 'a', '1') redis.call('SET', KEYS[2], '1') ${LONG_LOOP} redis.call('HSET', KEYS[1], 'b', '1') redis.call('SET', KEYS[3], '1') return n`;
  const { replies, seen } = await probeWhile([['EVAL', script, '3', 'h', 'x1', 'y1']], [['HMGET', 'h', 'a', 'b'], ['MGET', 'x1', 'y1']]);
  expect(replies).toEqual([':3000000\r\n']);
  for (const answers of seen) {
    expect([...answers].filter((r) => r !== NONE && r !== BOTH)).toEqual([]);
    expect(answers.has(BOTH)).toBe(true);
  }
}, 60_000);

it('an EXEC paused for its script: the replica sees the whole transaction or none of it', async () => {
  const { replies, seen } = await probeWhile(
    [['MULTI'], ['HSET', 'h', 'c', '1'], ['EVAL', `${LONG_LOOP} return n`, '0'], ['HSET', 'h', 'd', '1'], ['EXEC']],
    [['HMGET', 'h', 'c', 'd']],
  );
  expect(replies).toEqual(['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*3\r\n:1\r\n:3000000\r\n:1\r\n']);
  const answers = seen[0] as Set<string>;
  expect([...answers].filter((r) => r !== NONE && r !== BOTH)).toEqual([]);
  expect(answers.has(BOTH)).toBe(true);
}, 60_000);
