// The TLS material of a new data directory is made in one turn of the event loop every node shares (after
// its RSA keys were generated off the loop): signing its two certificates with node-forge's JavaScript RSA
// held that turn 60-150 ms CPU; signed by OpenSSL it takes 11-13 ms. The certificates must still chain.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTlsMaterial, warmTlsKeys } from '../../src/lifecycle/tls.ts';
import { cpuMs } from '../support/loop-hold.ts';

/** CPU ms the turn may take: a third of what forge's signing took, three times what native signing takes. */
const HOLD_BOUND_MS = 35;

const dirs: string[] = [];
const newDataDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-hold-'));
  dirs.push(d);
  return d;
};

describe('TLS material of a new data directory', () => {
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is made in one short turn, and the server certificate chains to the CA', async () => {
    // node-forge is loaded once per process on first use: not the turn this bounds.
    const first = newDataDir();
    await warmTlsKeys(first);
    ensureTlsMaterial(first, ['127.0.0.1']);

    const dir = newDataDir();
    await warmTlsKeys(dir);
    const t0 = cpuMs();
    const m = ensureTlsMaterial(dir, ['127.0.0.1']);
    const held = cpuMs() - t0;
    expect(held, 'CPU ms of the turn that makes the CA and the server certificate').toBeLessThan(HOLD_BOUND_MS);

    const ca = new crypto.X509Certificate(m.caPem);
    const cert = new crypto.X509Certificate(m.cert);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(crypto.createPublicKey(m.key).export({ type: 'spki', format: 'pem' }));
  }, 60_000);

  it('reads back a CA made before and signs a new server certificate with it when the names change', async () => {
    const dir = newDataDir();
    await warmTlsKeys(dir);
    const before = ensureTlsMaterial(dir, ['127.0.0.1']);
    const after = ensureTlsMaterial(dir, ['127.0.0.2']);
    expect(after.caPem).toBe(before.caPem);
    expect(after.cert).not.toBe(before.cert);
    const cert = new crypto.X509Certificate(after.cert);
    expect(cert.verify(new crypto.X509Certificate(after.caPem).publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.2')).toBe('127.0.0.2');
  }, 60_000);
});
