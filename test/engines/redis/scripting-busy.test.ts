// Long scripts: they run in slices so other nodes keep answering, their own node holds other
// clients (then answers -BUSY after busy-reply-threshold), and SCRIPT KILL stops them unless they wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { cpuMs } from '../../support/loop-hold.ts';
import { RawClient, startServer, type Started } from './helpers.ts';

const BUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';

describe('long-running scripts', () => {
  const started: Started[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of started.splice(0)) await s.server.close();
  });
  const server = async () => {
    const s = await startServer();
    started.push(s);
    return s;
  };
  const connect = async (port: number) => {
    const c = await RawClient.connect(port);
    clients.push(c);
    return c;
  };

  it('an endless script gets others BUSY, another node keeps answering, SCRIPT KILL ends it', async () => {
    const a = await server();
    const b = await server();
    const runner = await connect(a.port);
    const other = await connect(a.port);
    const elsewhere = await connect(b.port);
    expect(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '100')).toBe('+OK\r\n');
    runner.write('*3\r\n$4\r\nEVAL\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n');
    const t0 = Date.now();
    // The other node answers within a bound while this node's script spins: the CPU time of the round trip
    // (wall time on a loaded machine also counts other programs). Without slicing it would never answer.
    // The read's own timeout only catches a node that never answers (at load 34 a round trip passed 5 s).
    for (let i = 0; i < 20; i++) {
      const s = cpuMs();
      elsewhere.write('*1\r\n$4\r\nPING\r\n');
      expect((await elsewhere.read(60_000)).toString()).toBe('+PONG\r\n');
      expect(cpuMs() - s).toBeLessThan(1000);
    }
    // Before the threshold this node holds the command; after it, -BUSY.
    let reply = await other.call('GET', 'x');
    expect(reply).toBe(BUSY);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(await other.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
    reply = (await runner.read()).toString('latin1');
    expect(reply).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    expect(await other.call('PING')).toBe('+PONG\r\n');
    expect(await other.call('SCRIPT', 'KILL')).toBe('-NOTBUSY No scripts in execution right now.\r\n');
  });

  it('a script that wrote is UNKILLABLE; it finishes and commands queued behind it then run in order', async () => {
    const a = await server();
    const runner = await connect(a.port);
    const other = await connect(a.port);
    await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
    const body = "redis.call('set', 'x', '1') local t = redis.call('time') local n = 0 while n < 3e6 do n = n + 1 end redis.call('incr', 'x') return n";
    runner.write(`*3\r\n$4\r\nEVAL\r\n$${body.length}\r\n${body}\r\n$1\r\n0\r\n`);
    runner.write('*2\r\n$3\r\nGET\r\n$1\r\nx\r\n');
    let kill = await other.call('SCRIPT', 'KILL');
    while (kill.startsWith('-NOTBUSY')) kill = await other.call('SCRIPT', 'KILL');
    if (!kill.startsWith('+')) expect(kill).toBe('-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n');
    expect((await runner.read(20000)).toString()).toBe(':3000000\r\n');
    expect((await runner.read()).toString()).toBe('$1\r\n2\r\n');
  });

  it('a script is atomic: commands of other clients wait until it ends', async () => {
    const a = await server();
    const runner = await connect(a.port);
    const other = await connect(a.port);
    // The script must end before the node answers BUSY: at load 33 its 2e6 steps took longer than the
    // default 5 s threshold, and than call()'s 5 s read.
    await other.call('CONFIG', 'SET', 'busy-reply-threshold', '60000');
    const body = "redis.call('set', 'k', 'a') local n = 0 while n < 2e6 do n = n + 1 end redis.call('set', 'k', 'b') return 1";
    runner.write(`*3\r\n$4\r\nEVAL\r\n$${body.length}\r\n${body}\r\n$1\r\n0\r\n`);
    // The GET must come while the script runs: a fixed wait could let it through first when the loop is late.
    while (a.server.engine.scripting.running === null) await new Promise((r) => setTimeout(r, 1));
    other.write('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    expect((await other.read(60_000)).toString()).toBe('$1\r\nb\r\n');
    expect((await runner.read(60_000)).toString()).toBe(':1\r\n');
  }, 90_000);
});
