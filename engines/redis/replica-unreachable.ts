// REPLICAOF an address no engine of this process serves (a typo, port 0, a server elsewhere: replication
// here is in-process). redis-server accepts any such address and keeps retrying to connect; meanwhile it
// keeps its data, refuses writes as a read-only replica, reports its link down and, under
// replica-serve-stale-data no, answers MASTERDOWN. A stand-in engine carries the address for INFO and
// ROLE, as a replica fed from another thread does; its link never comes up.
import type { Client } from './client.ts';
import { Engine } from './engine.ts';

const standIns = new WeakSet<Engine>();

export function followUnreachable(c: Client, host: string, port: number): void {
  const e = c.engine;
  const address = `${host}:${port}`;
  const current = e.replication.primary;
  if (current !== null && standIns.has(current) && current.address === address) return c.w.simple('OK Already connected to specified master');
  e.replicaOf(null);
  // Not started: it runs no cron and holds nothing but the address.
  const standIn = new Engine({ clock: e.clock, mode: e.mode, version: e.version });
  standIn.address = address;
  standIns.add(standIn);
  e.replication.primary = standIn;
  e.replication.linkLost();
  c.w.ok();
}
