// A blocked client that is woken up only to be told why it cannot be served.
import type { Client } from '../client.ts';

/** Replies `msg` to the waiter; it counts in the error stats and as a failed call of `command`, as redis-server 7.0 counts it on unblock. */
export function failBlocked(c: Client, command: string, msg: string): void {
  c.w.error(msg);
  c.engine.countError(msg);
  const def = c.engine.lookup(command);
  if (def !== undefined) c.engine.commandStats(def).failed++;
}
