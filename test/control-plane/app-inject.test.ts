// The API through Fastify's inject (light-my-request), cookies included: the dependency the package
// pins for Node 20 (cookie 1.x, see "overrides" in package.json) must serve it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { buildApp } from '../../src/server.ts';
import { World } from '../../src/world.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-inject-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('the API under inject', () => {
  it('answers a Query API request and carries cookies both ways', async () => {
    const world = new World(resolveConfig({ port: 0, dataDir }));
    const app = buildApp(world);
    app.get('/cookie-echo', async (request, reply) => reply.header('set-cookie', 'seen=1; Path=/; HttpOnly').send(request.headers.cookie ?? ''));
    try {
      const res = await app.inject({ method: 'POST', url: '/', payload: 'Action=DescribeCacheClusters&Version=2015-02-02', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<DescribeCacheClustersResponse');
      const echo = await app.inject({ method: 'GET', url: '/cookie-echo', cookies: { session: 'abc' } });
      expect(echo.body).toBe('session=abc');
      expect(echo.cookies).toEqual([{ name: 'seen', value: '1', path: '/', httpOnly: true }]);
    } finally {
      await app.close();
      await world.stop();
    }
  });
});
