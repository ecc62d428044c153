// The `shutdown` command as memcached 1.6.18 answers it: refused unless the server was started with
// -A (ElastiCache's nodes are not: they keep refusing), a bad mode refused with CLIENT_ERROR, and an
// accepted one closing the connection without a reply and stopping the server.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memcachedNodeOptions } from '../../../src/lifecycle/memcached-parameters.ts';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();
let servers: Target[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function pair(realArgs: string[], shutdownCommand: boolean): Promise<[Target, Target]> {
  const started = await Promise.all([startReal(realArgs), startOurs({ version: '1.6.18', settings: { shutdownCommand } })]);
  servers.push(...started);
  return started;
}

/** Whether a new connection is still accepted, polled until it is not (memcached exits from its signal handler). */
async function stopsListening(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const accepted = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (!accepted) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe.skipIf(!available)('shutdown as memcached 1.6.18', () => {
  it('is refused without -A, whatever follows it', async () => {
    const [real, ours] = await pair([], false);
    const script = 'shutdown\r\nshutdown graceful\r\nshutdown foo bar\r\nstats settings\r\n';
    const [a, b] = await Promise.all([textExchange(real.port, script), textExchange(ours.port, script)]);
    const pick = (r: Buffer) => r.toString().split('\r\n').filter((l) => !l.startsWith('STAT ') || l.startsWith('STAT shutdown_command '));
    expect(pick(b.reply)).toEqual(pick(a.reply));
    expect(b.reply.toString()).toContain('ERROR: shutdown not enabled\r\n');
    expect(b.reply.toString()).toContain('STAT shutdown_command no\r\n');
  });

  it('with -A refuses a bad mode and reports the setting', async () => {
    const [real, ours] = await pair(['-A'], true);
    const script = 'shutdown foo\r\nshutdown graceful now\r\nshutdown GRACEFUL\r\nstats settings\r\n';
    const [a, b] = await Promise.all([textExchange(real.port, script), textExchange(ours.port, script)]);
    const pick = (r: Buffer) => r.toString().split('\r\n').filter((l) => !l.startsWith('STAT ') || l.startsWith('STAT shutdown_command '));
    expect(pick(b.reply)).toEqual(pick(a.reply));
    expect(b.reply.toString()).toContain('CLIENT_ERROR invalid shutdown mode\r\n');
    expect(b.reply.toString()).toContain('STAT shutdown_command yes\r\n');
  });

  for (const command of ['shutdown', 'shutdown graceful']) {
    it(`with -A, '${command}' closes the connection without a reply and stops the server`, async () => {
      const [real, ours] = await pair(['-A'], true);
      const script = `version\r\n${command}\r\nversion\r\n`;
      const [a, b] = await Promise.all([textExchange(real.port, script, 5000), textExchange(ours.port, script, 5000)]);
      // The reply to the version before it was not written yet: memcached drops it with the connection.
      expect(b).toEqual(a);
      expect(b.reply.toString()).toBe('');
      expect(b.closed).toBe(true);
      expect(await stopsListening(real.port)).toBe(true);
      expect(await stopsListening(ours.port)).toBe(true);
    });
  }
});

describe('shutdown on a node made from ElastiCache parameters', () => {
  it('is refused, as ElastiCache refuses it', async () => {
    const node = await startOurs(memcachedNodeOptions(new Map(), 64 * 1024 * 1024));
    servers.push(node);
    const { reply } = await textExchange(node.port, 'shutdown\r\nshutdown graceful\r\n');
    expect(reply.toString()).toBe('ERROR: shutdown not enabled\r\nERROR: shutdown not enabled\r\nMN\r\n');
  });
});
