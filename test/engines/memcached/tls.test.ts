// memcached over TLS as a user sees it: a bare engine started with memcached's -Z and ssl_* options
// (read by the memcached-t adapter's parser), compared with memcached 1.6.18 started with the same ones.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedServer } from '../../../engines/memcached/index.ts';
import { CertificateError } from '../../../engines/memcached/tls.ts';
import { parseMemcachedArgs } from '../../../tools/memcached-t/options.ts';
import { freePort, REAL_MEMCACHED, realMemcachedAvailable } from './helpers.ts';

interface Issued {
  keyPem: string;
  certPem: string;
}

/** An RSA key (OpenSSL's, fast) and a certificate laid out by forge, signed by `issuer` or by itself. */
function issue(unit: string, issuer?: Issued): Issued {
  const keyPem = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const subject = [
    { name: 'commonName', value: '127.0.0.1' },
    { shortName: 'OU', value: unit },
  ];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes : subject);
  if (!issuer) cert.setExtensions([{ name: 'basicConstraints', cA: true }]);
  cert.sign(forge.pki.privateKeyFromPem(issuer?.keyPem ?? keyPem), forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'memcached-tls-'));
  const ca = issue('Test CA');
  const first = issue('first server', ca);
  const second = issue('second server', ca);
  const client = issue('client', ca);
  const stranger = issue('stranger');
  writeFileSync(file('ca.pem'), ca.certPem);
  for (const [name, pair] of Object.entries({ first, second, client, stranger })) {
    writeFileSync(file(`${name}.pem`), pair.certPem);
    writeFileSync(file(`${name}-key.pem`), pair.keyPem);
  }
  // What the servers are started with; refresh_certs rereads these two.
  copyFileSync(file('first.pem'), file('chain.pem'));
  copyFileSync(file('first-key.pem'), file('key.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  /** The TLS port. */
  port: number;
  /** A plain-text (notls:) listener on the same server. */
  plainPort: number;
  close(): Promise<void>;
}

/** memcached's command line for a TLS port and a notls: one, with extra options. */
async function commandLine(extra: string[]): Promise<{ args: string[]; port: number; plainPort: number }> {
  const [port, plainPort] = [await freePort(), await freePort()];
  const args = ['-U', '0', '-p', String(port), '-l', `127.0.0.1,notls:127.0.0.1:${plainPort}`, '-Z'];
  args.push('-o', `ssl_chain_cert=${file('chain.pem')},ssl_key=${file('key.pem')}`, ...extra);
  return { args, port, plainPort };
}

async function startOurs(extra: string[] = []): Promise<Started> {
  const { args, port, plainPort } = await commandLine(extra);
  const invocation = parseMemcachedArgs(args);
  const server = createMemcachedServer(invocation.options);
  await server.listen();
  return { port, plainPort, close: () => server.close() };
}

async function startReal(extra: string[] = []): Promise<Started> {
  const { args, port, plainPort } = await commandLine(extra);
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child: ChildProcess = spawn(REAL_MEMCACHED, args, { stdio: 'ignore' });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const close = () =>
    new Promise<void>((resolve) => {
      process.off('exit', reap);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  // Up once its plain listener names this process.
  for (let i = 0; i < 100; i++) {
    const reply = await plain(plainPort, 'stats\r\n', 'END\r\n').catch(() => '');
    if (reply.includes(`STAT pid ${child.pid}\r\n`)) return { port, plainPort, close };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  throw new Error('memcached -Z did not start');
}

/** Sends `script` over plain TCP and reads until `until` ends the reply or the server closes (what it said, or the error). */
function plain(port: number, script: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(script));
    let text = '';
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(`${text}<timeout>`);
    });
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.endsWith(until)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (text === '' && err.code !== 'ECONNRESET' ? reject(err) : resolve(`${text}<${err.code}>`)));
    socket.on('end', () => resolve(`${text}<closed>`));
  });
}

interface TlsClient {
  socket: tls.TLSSocket;
  /** Writes `script` and resolves with the reply once it ends with `until`. */
  send(script: string, until?: string): Promise<string>;
  /** The OU of the certificate the server presented. */
  serverUnit(): string;
}

function connectTls(port: number, options: tls.ConnectionOptions = {}): Promise<TlsClient> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options }, () => {
      let text = '';
      let waiter: { until: string; done: (reply: string) => void } | undefined;
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (waiter && text.endsWith(waiter.until)) {
          const { done } = waiter;
          waiter = undefined;
          const reply = text;
          text = '';
          done(reply);
        }
      });
      resolve({
        socket,
        send: (script, until = '\r\n') =>
          new Promise((done) => {
            waiter = { until, done };
            socket.write(script);
          }),
        serverUnit: () => String(socket.getPeerCertificate().subject.OU),
      });
    });
    socket.once('error', reject);
  });
}

/** Whether a TLS client with these options gets a working connection (a VERSION reply), else how it ended. */
async function tlsOutcome(port: number, options: tls.ConnectionOptions): Promise<string> {
  try {
    const client = await connectTls(port, options);
    const outcome = await Promise.race([
      client.send('version\r\n').then((reply) => (reply.startsWith('VERSION ') ? 'served' : reply)),
      new Promise<string>((resolve) => client.socket.once('close', () => resolve('closed'))),
    ]);
    client.socket.destroy();
    return outcome;
  } catch {
    return 'closed';
  }
}

function statsOf(reply: string): Map<string, string> {
  return new Map([...reply.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

const SSL_SETTINGS = [
  'ssl_enabled',
  'ssl_chain_cert',
  'ssl_key',
  'ssl_verify_mode',
  'ssl_keyformat',
  'ssl_ciphers',
  'ssl_ca_cert',
  'ssl_wbuf_size',
  'ssl_session_cache',
  'ssl_kernel_tls',
  'ssl_min_version',
];

const haveReal = realMemcachedAvailable();

describe.skipIf(!haveReal)('memcached -Z: a TLS client, compared with memcached 1.6.18', () => {
  it('stores and reads over TLS, shares data with a notls: listener, and lists its settings', async () => {
    const extra = ['-o', `ssl_ca_cert=${file('ca.pem')},ssl_session_cache,ssl_wbuf_size=32,ssl_min_version=2`];
    for (const start of [startReal, startOurs]) {
      const server = await start(extra);
      try {
        const client = await connectTls(server.port);
        expect(await client.send('set greeting 5 0 5\r\nhello\r\n')).toBe('STORED\r\n');
        expect(await client.send('get greeting\r\n', 'END\r\n')).toBe('VALUE greeting 5 5\r\nhello\r\nEND\r\n');
        // The plain listener serves the same items.
        expect(await plain(server.plainPort, 'get greeting\r\n', 'END\r\n')).toBe('VALUE greeting 5 5\r\nhello\r\nEND\r\n');
        const settings = statsOf(await client.send('stats settings\r\n', 'END\r\n'));
        expect(Object.fromEntries(SSL_SETTINGS.map((name) => [name, settings.get(name)]))).toEqual({
          ssl_enabled: 'yes',
          ssl_chain_cert: file('chain.pem'),
          ssl_key: file('key.pem'),
          ssl_verify_mode: '0',
          ssl_keyformat: '1',
          ssl_ciphers: 'NULL',
          ssl_ca_cert: file('ca.pem'),
          ssl_wbuf_size: '32768',
          ssl_session_cache: 'yes',
          ssl_kernel_tls: 'no',
          ssl_min_version: 'tlsv1.2',
        });
        const stats = statsOf(await client.send('stats\r\n', 'END\r\n'));
        expect(stats.get('ssl_handshake_errors')).toBe('0');
        // TLS 1.3 sends two session tickets after a full handshake, each a new session.
        expect(stats.get('ssl_new_sessions')).toBe('2');
        client.socket.destroy();
      } finally {
        await server.close();
      }
    }
  });

  it('refuses a plain-text client on the TLS port with a reset, counted as a handshake error', async () => {
    for (const start of [startReal, startOurs]) {
      const server = await start();
      try {
        expect(await plain(server.port, 'version\r\n', '\r\n')).toBe('<ECONNRESET>');
        expect(await plain(server.plainPort, 'version\r\n', '\r\n')).toBe('VERSION 1.6.18\r\n');
        const stats = await plain(server.plainPort, 'stats\r\n', 'END\r\n');
        // memcached counts a failure only when the client's bytes were there as it accepted (its one
        // SSL_accept call there); a later one it just closes, so its count is 0 or 1 here by timing.
        // Ours counts every failed handshake.
        expect(statsOf(stats).get('ssl_handshake_errors')).toMatch(start === startOurs ? /^1$/ : /^[01]$/);
        // Without ssl_session_cache memcached does not list new sessions.
        expect(statsOf(stats).has('ssl_new_sessions')).toBe(false);
      } finally {
        await server.close();
      }
    }
  });

  it('past the connection limit refuses in plain text before any handshake, as memcached writes it on accept', async () => {
    // memcached's limit counts file descriptors, so -c means another number of clients there: ours only.
    const server = await startOurs(['-c', '1']);
    try {
      const first = await connectTls(server.port);
      // A reply: the server has finished its side of the handshake and counts the connection.
      expect(await first.send('version\r\n')).toBe('VERSION 1.6.18\r\n');
      expect(await plain(server.port, '', '\r\n')).toBe('ERROR Too many open connections\r\n');
      expect(await tlsOutcome(server.port, {})).toBe('closed');
      expect(await first.send('version\r\n')).toBe('VERSION 1.6.18\r\n');
      first.socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('refresh_certs: new connections get the new certificate, open ones keep theirs, a bad file changes nothing', async () => {
    for (const start of [startReal, startOurs]) {
      copyFileSync(file('first.pem'), file('chain.pem'));
      copyFileSync(file('first-key.pem'), file('key.pem'));
      const server = await start();
      try {
        const before = await connectTls(server.port);
        expect(before.serverUnit()).toBe('first server');
        copyFileSync(file('second.pem'), file('chain.pem'));
        copyFileSync(file('second-key.pem'), file('key.pem'));
        expect(await before.send('refresh_certs\r\n')).toBe('OK\r\n');
        const after = await connectTls(server.port);
        expect(after.serverUnit()).toBe('second server');
        expect(before.serverUnit()).toBe('first server');
        expect(await before.send('version\r\n')).toBe('VERSION 1.6.18\r\n');
        // A chain file that is not PEM: memcached's error line, the loaded certificate stays.
        writeFileSync(file('chain.pem'), 'not a certificate\n');
        expect(await after.send('refresh_certs\r\n')).toBe(
          `Error loading the certificate chain: ${file('chain.pem')} : error:0480006C:PEM routines::no start line\r\n`,
        );
        const third = await connectTls(server.port);
        expect(third.serverUnit()).toBe('second server');
        // A plain listener's refresh reloads the same TLS context.
        copyFileSync(file('first.pem'), file('chain.pem'));
        copyFileSync(file('first-key.pem'), file('key.pem'));
        expect(await plain(server.plainPort, 'refresh_certs noreply\r\nversion\r\n', '\r\n')).toBe('VERSION 1.6.18\r\n');
        expect((await connectTls(server.port)).serverUnit()).toBe('first server');
        for (const c of [before, after, third]) c.socket.destroy();
      } finally {
        await server.close();
      }
    }
  });

  it.each([
    ['1', { 'no certificate': 'served', 'signed by the CA': 'served', 'self-signed': 'closed' }],
    ['2', { 'no certificate': 'closed', 'signed by the CA': 'served', 'self-signed': 'closed' }],
  ])('ssl_verify_mode %s with a CA: which client certificates are served', async (mode, expected) => {
    const extra = ['-o', `ssl_verify_mode=${mode},ssl_ca_cert=${file('ca.pem')}`];
    const pair = (name: string) => ({ cert: readFileSync(file(`${name}.pem`)), key: readFileSync(file(`${name}-key.pem`)) });
    const cases: Record<string, tls.ConnectionOptions> = {
      'no certificate': {},
      'signed by the CA': pair('client'),
      'self-signed': pair('stranger'),
    };
    const outcomes: Record<string, Record<string, string>> = {};
    for (const [name, start] of [['real', startReal], ['ours', startOurs]] as const) {
      const server = await start(extra);
      try {
        outcomes[name] = {};
        for (const [label, options] of Object.entries(cases)) outcomes[name][label] = await tlsOutcome(server.port, options);
      } finally {
        await server.close();
      }
    }
    expect(outcomes.real).toEqual(expected);
    expect(outcomes.ours).toEqual(outcomes.real);
  });

  it('refuses bad TLS options with the errors and exit codes of memcached', async () => {
    const bad: string[][] = [
      ['-Z', '-p', '0'],
      ['-Z', '-o', `ssl_chain_cert=${file('nothing.pem')},ssl_key=${file('key.pem')}`],
      ['-Z', '-o', `ssl_chain_cert=${file('first.pem')}`],
      ['-Z', '-o', `ssl_chain_cert=${file('first.pem')},ssl_key=${file('client-key.pem')}`],
      ['-Z', '-o', `ssl_chain_cert=${file('first.pem')},ssl_key=${file('first-key.pem')},ssl_ca_cert=${file('first-key.pem')}`],
      ['-Z', '-o', `ssl_chain_cert=${file('first.pem')},ssl_key=${file('first-key.pem')},ssl_ciphers=nonsense`],
      ['-o', 'ssl_verify_mode=4'],
      ['-o', 'ssl_min_version=x'],
      ['-o', 'ssl_key'],
      ['-l', 'notls:127.0.0.1'],
    ];
    for (const args of bad) {
      const real = spawnSync(REAL_MEMCACHED, ['-U', '0', ...args, ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])], {
        encoding: 'latin1',
        timeout: 5000,
      });
      // OpenSSL's queue, printed after memcached's own line, names the thread and source lines: left out.
      const realText = real.stderr.replace(/^[0-9A-F]+:error:.*\n/gm, '');
      expect(ourStartup(args), args.join(' ')).toEqual({ status: real.status, stderr: realText });
    }
  });
});

/** What the memcached-t adapter does with a command line up to its listeners: the message and exit code of a refusal. */
function ourStartup(args: string[]): { status: number | null; stderr: string } {
  try {
    const invocation = parseMemcachedArgs(args);
    void createMemcachedServer(invocation.options).close();
    if (invocation.listenError) return { status: invocation.listenError.exitCode, stderr: `${invocation.listenError.message}\n` };
    return { status: null, stderr: '' };
  } catch (err) {
    if (err instanceof CertificateError) return { status: 64, stderr: err.message + err.lineEnd };
    const usage = err as { message: string; exitCode: number };
    return { status: usage.exitCode, stderr: `${usage.message}\n` };
  }
}
