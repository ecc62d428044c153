// Node-level behaviour the control plane relies on: discovery, TLS, close(), the standalone runner.
import { spawn } from 'node:child_process';
import tls from 'node:tls';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { createMemcachedServer } from '../../../engines/memcached/index.ts';
import { parseStandaloneArgs } from '../../../engines/memcached/standalone.ts';
import { binaryExchange, packet } from './binary-helpers.ts';
import { exchange, freePort, startOurs, textExchange } from './helpers.ts';

const CLUSTER = {
  version: 12,
  nodes: [
    { host: 'mycluster.0001.use1.cache.amazonaws.com', ip: '10.82.235.120', port: 11211 },
    { host: 'mycluster.0002.use1.cache.amazonaws.com', ip: '10.80.249.27', port: 11211 },
  ],
};

function selfSignedCert(): { key: string; cert: string } {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}

describe('auto discovery', () => {
  it('answers config get cluster in the ElastiCache format', async () => {
    const server = await startOurs({ clusterConfig: () => CLUSTER });
    try {
      const payload =
        '12\nmycluster.0001.use1.cache.amazonaws.com|10.82.235.120|11211 mycluster.0002.use1.cache.amazonaws.com|10.80.249.27|11211\n';
      const r = await textExchange(server.port, 'config get cluster\r\n');
      expect(r.reply.toString()).toBe(`CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\nMN\r\n`);
      const legacy = await textExchange(server.port, 'get AmazonElastiCache:cluster\r\n');
      expect(legacy.reply.toString()).toBe(`VALUE AmazonElastiCache:cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\nMN\r\n`);
      const bin = await binaryExchange(server.port, [packet({ opcode: 0x60, key: 'cluster', opaque: 3 })]);
      expect(bin.packets[0]!.value.toString()).toBe(payload);
    } finally {
      await server.close();
    }
  });

  it('reads the config on every request, so membership changes show up', async () => {
    let version = 1;
    const server = await startOurs({ clusterConfig: () => ({ ...CLUSTER, version }) });
    try {
      version = 2;
      const r = await textExchange(server.port, 'config get cluster\r\n');
      expect(r.reply.toString()).toContain('\r\n2\n');
    } finally {
      await server.close();
    }
  });

  it('is an unknown command without a cluster config', async () => {
    const server = await startOurs();
    try {
      expect((await textExchange(server.port, 'config get cluster\r\n')).reply.toString()).toBe('ERROR\r\nMN\r\n');
    } finally {
      await server.close();
    }
  });
});

describe('SASL-protected node', () => {
  it('speaks only the binary protocol and requires authentication first', async () => {
    const server = await startOurs({ sasl: { username: 'u', password: 'p' } });
    try {
      // memcached refuses ASCII when SASL is on: the connection is dropped once a binary header's
      // worth of bytes shows a bad magic byte.
      const text = await exchange(server.port, 'version\r\n'.repeat(3));
      expect(text.closed).toBe(true);
      expect(text.reply.length).toBe(0);
      const unauth = await binaryExchange(server.port, [packet({ opcode: 0x0b, opaque: 1 }), packet({ opcode: 0x00, key: 'k', opaque: 2 })]);
      expect(unauth.packets.map((p) => [p.opaque, p.status])).toEqual([
        [1, 0x00],
        [2, 0x20],
      ]);
      expect(unauth.closed).toBe(true);
      const mechs = await binaryExchange(server.port, [packet({ opcode: 0x20, opaque: 3 })]);
      expect(mechs.packets[0]!.value.toString()).toBe('PLAIN');
      const authed = await binaryExchange(server.port, [
        packet({ opcode: 0x21, key: 'PLAIN', value: '\0u\0p', opaque: 4 }),
        packet({ opcode: 0x00, key: 'k', opaque: 5 }),
      ]);
      expect(authed.packets.map((p) => [p.opaque, p.status])).toEqual([
        [4, 0x00],
        [5, 0x01],
        [0xfeed, 0x00],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('server lifecycle', () => {
  it('serves TLS when given a key and certificate', async () => {
    const server = createMemcachedServer({ port: 0, tls: selfSignedCert() });
    const port = await server.listen();
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () =>
          socket.write('set t 0 0 2\r\nhi\r\nget t\r\n'),
        );
        let data = '';
        socket.on('data', (d: Buffer) => {
          data += d.toString();
          if (data.endsWith('END\r\n')) {
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('error', reject);
      });
      expect(reply).toBe('STORED\r\nVALUE t 0 2\r\nhi\r\nEND\r\n');
    } finally {
      await server.close();
    }
  });

  it('close() ends open connections and frees the port', async () => {
    const server = createMemcachedServer({ port: 0 });
    const port = await server.listen();
    expect(server.port).toBe(port);
    const pending = exchange(port, 'version\r\n', () => false, 5000);
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    expect((await pending).closed).toBe(true);
    const again = createMemcachedServer({ port });
    expect(await again.listen()).toBe(port);
    await again.close();
  });

  it('rejects listen() with EADDRINUSE when the port is taken', async () => {
    const first = createMemcachedServer({ port: 0 });
    const port = await first.listen();
    try {
      await expect(createMemcachedServer({ port }).listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('binds 127.0.0.1 by default', async () => {
    const server = createMemcachedServer({ port: 0 });
    await server.listen();
    try {
      const stats = (await textExchange(server.port, 'stats settings\r\n')).reply.toString();
      expect(stats).toContain('STAT inter 127.0.0.1\r\n');
      expect(stats).toContain(`STAT tcpport ${server.port}\r\n`);
    } finally {
      await server.close();
    }
  });
});

describe('standalone runner', () => {
  it('parses memcached-style options', () => {
    expect(parseStandaloneArgs(['--port', '11311', '--host', '0.0.0.0', '-m', '16', '-I', '2m'])).toEqual({
      port: 11311,
      host: '0.0.0.0',
      memoryLimit: 16 * 1024 * 1024,
      maxItemSize: 2 * 1024 * 1024,
    });
    expect(parseStandaloneArgs(['--memory-limit', '1'])).toMatchObject({ memoryLimit: 1024 * 1024 });
    expect(() => parseStandaloneArgs(['--bogus'])).toThrow();
  });

  it('starts, prints a ready line, serves, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const script = "import('./engines/memcached/standalone.ts').then((m) => m.runStandalone(process.argv.slice(1)))";
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, '--', '--port', String(port)], {
      cwd: new URL('../../../', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    expect(ready).toContain(`127.0.0.1:${port}`);
    expect((await textExchange(port, 'version\r\n')).reply.toString()).toMatch(/^VERSION 1\.6\.22\r\n/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
