// Keyspace notifications a server publishes while a script of commands runs, as raw push frames.
import { RawClient } from './helpers.ts';

/** `then` runs after the commands with the connection that sent them (e.g. to wait and touch an expired key). */
export async function collectKeyspaceEvents(
  port: number,
  commands: string[][],
  flags = 'KEA',
  then?: (admin: RawClient) => Promise<void>,
): Promise<string[]> {
  const admin = await RawClient.connect(port);
  const sub = await RawClient.connect(port);
  try {
    await admin.call('FLUSHALL');
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    await sub.call('PSUBSCRIBE', '__key*__:*');
    await sub.call('SUBSCRIBE', 'end-of-events');
    for (const cmd of commands) await admin.call(...cmd);
    await then?.(admin);
    // Pub/sub delivery is ordered per connection, so the marker arrives after every event.
    await admin.call('PUBLISH', 'end-of-events', 'x');
    const out: string[] = [];
    for (;;) {
      const m = (await sub.read()).toString('latin1');
      if (m.includes('end-of-events')) break;
      out.push(m);
    }
    return out;
  } finally {
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    admin.close();
    sub.close();
  }
}
