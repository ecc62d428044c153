// Commands redis-server 7.0 refuses before running them, around MULTI/EXEC: a refusal while queueing
// dooms the transaction (EXECABORT ... previous errors), a refused EXEC discards it and says why
// (BUSY, OOM, NOREPLICAS), and under CLIENT REPLY OFF/SKIP the refusal is silenced like any reply.
// Found by Redis's unit/multi; compared with redis-server byte for byte.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type Scenario = (x: RawClient, admin: RawClient, port: number) => Promise<string[]>;

/** Sends an endless script on its own connection; resolves once the node answers others BUSY. */
async function startBusyScript(port: number, admin: RawClient): Promise<RawClient> {
  const runner = await RawClient.connect(port);
  await admin.call('CONFIG', 'SET', 'lua-time-limit', '10');
  runner.write(encodeCommand(['EVAL', 'while true do end', '0']));
  const deadline = Date.now() + 10000;
  while (!(await admin.call('GET', 'probe')).startsWith('-BUSY')) {
    if (Date.now() > deadline) throw new Error('the script never made the node busy');
  }
  return runner;
}

async function killScript(runner: RawClient, admin: RawClient): Promise<string> {
  expect(await admin.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
  const reply = (await runner.read(10000)).toString('latin1');
  runner.close();
  return reply.slice(0, 40);
}

const SCENARIOS: Record<string, Scenario> = {
  'a command refused BUSY while queueing makes EXEC abort': async (x, admin, port) => {
    const log: string[] = [await x.call('SET', 'xx', '1')];
    const runner = await startBusyScript(port, admin);
    log.push(await x.call('MULTI'), await x.call('INCR', 'xx'));
    log.push(await killScript(runner, admin));
    log.push(await x.call('INCR', 'xx'), await x.call('EXEC'), await x.call('GET', 'xx'), await x.call('PING', 'asdf'));
    return log;
  },
  'EXEC refused BUSY discards the transaction': async (x, admin, port) => {
    const log: string[] = [await x.call('SET', 'xx', '1'), await x.call('MULTI'), await x.call('INCR', 'xx')];
    const runner = await startBusyScript(port, admin);
    log.push(await x.call('EXEC'));
    log.push(await killScript(runner, admin));
    log.push(await x.call('GET', 'xx'), await x.call('PING', 'asdf'));
    return log;
  },
  'min-replicas-to-write: writes and EXEC with a write refused NOREPLICAS, reads run': async (x, admin) => {
    const log: string[] = [await x.call('SET', 'xx', '1'), await x.call('MULTI'), await x.call('INCR', 'xx')];
    log.push(await admin.call('CONFIG', 'SET', 'min-replicas-to-write', '2'));
    log.push(await x.call('EXEC'), await x.call('GET', 'xx'), await x.call('SET', 'yy', '1'));
    log.push(await x.call('MULTI'), await x.call('GET', 'xx'), await x.call('EXEC'));
    log.push(await admin.call('CONFIG', 'SET', 'min-replicas-to-write', '0'));
    return log;
  },
  'under OOM: EXEC of a memory-using command aborts, a read-only one runs, queueing is refused': async (x, admin) => {
    const log: string[] = [await x.call('SET', 'x', 'value')];
    log.push(await x.call('MULTI'), await x.call('SET', 'x', '1'), await x.call('GET', 'x'));
    log.push(await admin.call('CONFIG', 'SET', 'maxmemory', '1'));
    log.push(await x.call('EXEC'));
    log.push(await admin.call('CONFIG', 'SET', 'maxmemory', '0'));
    log.push(await x.call('MULTI'), await x.call('GET', 'x'), await x.call('PING'));
    log.push(await admin.call('CONFIG', 'SET', 'maxmemory', '1'));
    log.push(await x.call('EXEC'));
    log.push(await x.call('MULTI'), await x.call('GET', 'x'), await x.call('DISCARD'));
    log.push(await admin.call('CONFIG', 'SET', 'maxmemory', '0'));
    return log;
  },
  'CLIENT REPLY OFF/SKIP silence refused and queued commands too': async (x) => {
    x.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    x.write(encodeCommand(['NOSUCHCOMMAND', 'a']));
    x.write(encodeCommand(['GET']));
    x.write(encodeCommand(['MULTI']));
    x.write(encodeCommand(['SET', 'a', '1']));
    x.write(encodeCommand(['EXEC']));
    const log = [await x.call('CLIENT', 'REPLY', 'ON'), await x.call('GET', 'a')];
    x.write(encodeCommand(['CLIENT', 'REPLY', 'SKIP']));
    x.write(encodeCommand(['NOSUCHCOMMAND']));
    log.push(await x.call('PING', 'after-skip'));
    return log;
  },
};

describe.skipIf(!available)('refusals around MULTI/EXEC as redis-server 7.0', () => {
  const pair = serverPair();

  async function run(port: number, body: Scenario): Promise<string[]> {
    const x = await RawClient.connect(port);
    const admin = await RawClient.connect(port);
    try {
      await admin.call('FLUSHALL');
      return await body(x, admin, port);
    } finally {
      x.close();
      admin.close();
    }
  }

  for (const [name, body] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const a = await run(pair.ours.port, body);
      const b = await run(pair.real.port, body);
      expect(a).toEqual(b);
    }, 30000);
  }
});
