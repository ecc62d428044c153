// BGSAVE and BGREWRITEAOF held in progress by rdb-key-save-delay (unit/aofrw's "BGREWRITEAOF is delayed if
// BGSAVE is in progress" and "... refused if already in progress"): a second one is refused or scheduled
// with redis-server 7.0's replies and INFO shows what runs. redis-server's child sleeps for each key; the
// test ends it as unit/aofrw does (delay back to 0, the child killed), and ours ends it on the delay alone.
// Turning appendonly off stops a rewrite (unit/aofrw's "Turning off AOF kills the background writing child").
// Ours runs in this process: answering PING meanwhile shows the held save does not stall the event loop.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('background saves held by rdb-key-save-delay, as redis-server 7.0', () => {
  const pair = serverPair();

  function killChildOf(pid: number | null): void {
    if (pid === null) return;
    try {
      for (const child of execFileSync('pgrep', ['-P', String(pid)]).toString().split('\n').filter(Boolean)) process.kill(Number(child), 'SIGKILL');
    } catch {
      // No child left: pgrep exits 1.
    }
  }

  async function persistence(c: RawClient): Promise<string> {
    const info = await c.call('INFO', 'persistence');
    return ['rdb_bgsave_in_progress', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled'].map((f) => new RegExp(`${f}:\\d`).exec(info)?.[0]).join(' ');
  }

  async function release(c: RawClient, pid: number | null): Promise<void> {
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    killChildOf(pid);
    const idle = 'rdb_bgsave_in_progress:0 aof_rewrite_in_progress:0 aof_rewrite_scheduled:0';
    await waitUntil('the saves to end', async () => (await persistence(c)) === idle, 30000);
  }

  async function run(port: number, pid: number | null): Promise<string[]> {
    const c = await RawClient.connect(port);
    const out: string[] = [];
    try {
      await c.call('FLUSHALL');
      await c.call('MSET', 'a', '1', 'b', '2');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
      for (const cmd of [['BGSAVE'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['SAVE'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['PING']]) out.push(await c.call(...cmd));
      out.push(await persistence(c));
      await release(c, pid);

      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
      for (const cmd of [['BGREWRITEAOF'], ['BGREWRITEAOF'], ['BGSAVE'], ['PING']]) out.push(await c.call(...cmd));
      out.push(await persistence(c));
      await release(c, pid);
      return out;
    } finally {
      c.close();
    }
  }

  async function turnAofOff(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    const out: string[] = [];
    try {
      out.push(await c.call('CONFIG', 'SET', 'appendonly', 'yes'));
      await waitUntil('the rewrite AOF starts with to end', async () => (await persistence(c)).includes('aof_rewrite_in_progress:0'), 30000);
      await c.call('SET', 'k', 'v');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
      out.push(await c.call('BGREWRITEAOF'), await persistence(c));
      out.push(await c.call('CONFIG', 'SET', 'appendonly', 'no'), await persistence(c));
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      return out;
    } finally {
      c.close();
    }
  }

  it('stops a rewrite when appendonly is turned off', async () => {
    const theirs = await turnAofOff(pair.real.port);
    expect(theirs[2]).toContain('aof_rewrite_in_progress:1');
    expect(await turnAofOff(pair.ours.port)).toEqual(theirs);
  }, 90000);

  it('refuses or schedules a second save and reports both in INFO', async () => {
    const theirs = await run(pair.real.port, pair.real.pid);
    expect(theirs[0]).toBe('+Background saving started\r\n');
    expect(await run(pair.ours.port, null)).toEqual(theirs);
  }, 90000);
});
