// MEMORY STATS with redis-server 7.0's fields in its order (redis-py's memory_stats() and dashboards read
// them by name): the numbers are this engine's estimates, the allocator's figures taken from the process.
import type { Client } from '../client.ts';
import type { Engine } from '../engine.ts';
import { scriptingMemoryFields } from '../scripting/memory.ts';

/** A dict's table and entries as Redis sizes them: 8 bytes a bucket (at least 4, grown past its fill), per-entry bytes. */
function dictBytes(entries: number, perEntry: number): number {
  if (entries === 0) return 0;
  let buckets = 4;
  while (buckets <= entries) buckets *= 2;
  return buckets * 8 + entries * perEntry;
}

function scripting(e: Engine, field: string): number {
  const found = scriptingMemoryFields(e.scripting, String).find(([name]) => name === field);
  return typeof found?.[1] === 'number' ? found[1] : 0;
}

export function memoryStats(c: Client): void {
  const e = c.engine;
  const total = e.usedMemory();
  const dataset = e.ks.usedMemory;
  const overhead = total - dataset;
  const startup = overhead - e.clients.size * 20000;
  const keys = e.ks.dbs.reduce((n, d) => n + d.size, 0);
  const rss = process.memoryUsage().rss;
  const dbs = e.ks.dbs.flatMap((d, i) => (d.size === 0 ? [] : [{ i, main: dictBytes(d.size, 40), expires: dictBytes(d.expires.size, 24) }]));
  const ints: [string, number][] = [
    ['peak.allocated', Math.max(e.peakMemory, total)],
    ['total.allocated', total],
    ['startup.allocated', startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', e.clients.size * 20000],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', scripting(e, 'used_memory_scripts_eval')],
    ['functions.caches', scripting(e, 'used_memory_functions')],
  ];
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const rest: [string, number, 'int' | 'double'][] = [
    ['overhead.total', overhead, 'int'],
    ['keys.count', keys, 'int'],
    ['keys.bytes-per-key', keys > 0 ? Math.floor((total - startup) / keys) : 0, 'int'],
    ['dataset.bytes', dataset, 'int'],
    ['dataset.percentage', ratio(dataset * 100, total - startup), 'double'],
    ['peak.percentage', ratio(total * 100, Math.max(e.peakMemory, total)), 'double'],
    ['allocator.allocated', total, 'int'],
    ['allocator.active', total, 'int'],
    ['allocator.resident', rss, 'int'],
    ['allocator-fragmentation.ratio', 1, 'double'],
    ['allocator-fragmentation.bytes', 0, 'int'],
    ['allocator-rss.ratio', ratio(rss, total), 'double'],
    ['allocator-rss.bytes', rss - total, 'int'],
    ['rss-overhead.ratio', 1, 'double'],
    ['rss-overhead.bytes', 0, 'int'],
    ['fragmentation', ratio(rss, total), 'double'],
    ['fragmentation.bytes', rss - total, 'int'],
  ];
  c.w.map(ints.length + dbs.length + rest.length);
  for (const [k, v] of ints) {
    c.w.bulk(k);
    c.w.int(v);
  }
  for (const db of dbs) {
    c.w.bulk(`db.${db.i}`);
    c.w.map(3);
    c.w.bulk('overhead.hashtable.main');
    c.w.int(db.main);
    c.w.bulk('overhead.hashtable.expires');
    c.w.int(db.expires);
    c.w.bulk('overhead.hashtable.slot-to-keys');
    c.w.int(0);
  }
  for (const [k, v, kind] of rest) {
    c.w.bulk(k);
    if (kind === 'int') c.w.int(v);
    else c.w.double(v);
  }
}
