// Servers and raw clients that a test file starts, all closed after each test.
import { afterEach } from 'vitest';
import { RawClient, startServer, type Started } from './helpers.ts';

export function trackedServers(): { node: () => Promise<Started>; connect: (port: number) => Promise<RawClient> } {
  const started: Started[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of started.splice(0)) await s.server.close();
  });
  return {
    node: async () => {
      const s = await startServer();
      started.push(s);
      return s;
    },
    connect: async (port) => {
      const c = await RawClient.connect(port);
      clients.push(c);
      return c;
    },
  };
}
