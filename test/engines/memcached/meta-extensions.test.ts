// Meta features newer than the memcached in Debian 12 (1.6.18), checked against our engine alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, textExchange, type Target } from './helpers.ts';

async function run(server: Target, script: string): Promise<string> {
  return (await textExchange(server.port, script)).reply.toString('latin1').replace(/MN\r\n$/, '');
}

describe('explicit CAS (E flag, memcached 1.6.21+)', () => {
  let server: Target;
  beforeAll(async () => {
    server = await startOurs();
  });
  afterAll(() => server.close());

  it('ms E sets the new item CAS', async () => {
    expect(await run(server, 'ms e1 1 E12345 c\r\nx\r\nmg e1 c\r\n')).toBe('HD c12345\r\nHD c12345\r\n');
    expect(await run(server, 'ms e1 1 C12345 E777\r\ny\r\ngets e1\r\n')).toBe('HD\r\nVALUE e1 0 1 777\r\ny\r\nEND\r\n');
  });

  it('md I and ma use E for the CAS they assign', async () => {
    expect(await run(server, 'md e1 I E900\r\nmg e1 c\r\n')).toBe('HD\r\nHD c900 X W\r\n');
    expect(await run(server, 'ms n 1\r\n1\r\nma n E4242 v c\r\n')).toBe('HD\r\nVA 1 c4242\r\n2\r\n');
  });
});
