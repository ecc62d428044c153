// TLS serving, the standalone entry point, and INFO's bookkeeping fields.
import { spawn } from 'node:child_process';
import forge from 'node-forge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startServer, type Started } from './helpers.ts';

function selfSigned(): { key: string; cert: string } {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}

describe('TLS', () => {
  it('serves RESP over TLS when given a key and certificate', async () => {
    const tls = selfSigned();
    const s = await startServer({ tls });
    const r = new Redis({ port: s.port, tls: { rejectUnauthorized: false }, lazyConnect: true });
    try {
      await r.connect();
      expect(await r.set('secure', 'yes')).toBe('OK');
      expect(await r.get('secure')).toBe('yes');
    } finally {
      r.disconnect();
      await s.server.close();
    }
  });
});

describe('standalone', () => {
  it('prints the ready line and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'engines/redis/standalone.ts', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Ready to accept connections tcp on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const c = await RawClient.connect(port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await c.waitClosed();
  });
});

describe('INFO bookkeeping', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.server.close();
  });

  it('counts hits, misses, commands and errors with Redis field names', async () => {
    const c = await RawClient.connect(s.port);
    try {
      await c.call('SET', 'a', '1');
      await c.call('GET', 'a');
      await c.call('GET', 'nope');
      await c.call('LPUSH', 'a', 'x');
      const stats = await c.call('INFO', 'stats');
      expect(stats).toMatch(/keyspace_hits:1\r\n/);
      expect(stats).toMatch(/keyspace_misses:1\r\n/);
      const all = await c.call('INFO', 'all');
      expect(all).toMatch(/cmdstat_get:calls=2,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0/);
      expect(all).toMatch(/cmdstat_lpush:calls=1,.*failed_calls=1/);
      expect(all).toMatch(/errorstat_WRONGTYPE:count=1/);
      expect(all).toMatch(/db0:keys=1,expires=0/);
      const before = Number(/used_memory:(\d+)/.exec(await c.call('INFO', 'memory'))?.[1]);
      await c.call('SET', 'big', 'x'.repeat(100_000));
      const after = Number(/used_memory:(\d+)/.exec(await c.call('INFO', 'memory'))?.[1]);
      expect(after - before).toBeGreaterThanOrEqual(100_000);
      expect(await c.call('MEMORY', 'USAGE', 'big')).toBe(':114736\r\n');
      expect(await c.call('LATENCY', 'HISTOGRAM', 'get', 'nope')).toMatch(/^\*2\r\n\$3\r\nget\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*(2|4|6)\r\n/);
      expect(await c.call('CONFIG', 'RESETSTAT')).toBe('+OK\r\n');
      expect(await c.call('INFO', 'stats')).toMatch(/keyspace_hits:0\r\n/);
    } finally {
      c.close();
    }
  });
});
