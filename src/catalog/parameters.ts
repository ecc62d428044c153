/**
 * Engine default parameters as ElastiCache lists them per parameter group family. Values, types, ranges
 * and modifiability follow the ElastiCache user guide; descriptions are ours.
 */
export interface ParameterSpec {
  name: string;
  value: string;
  description: string;
  dataType: 'string' | 'integer' | 'boolean';
  allowed?: string; // "yes,no" or "0-100"
  modifiable: boolean;
  changeType: 'immediate' | 'requires-reboot';
  minimumEngineVersion: string;
}

const p = (
  name: string,
  value: string,
  dataType: ParameterSpec['dataType'],
  allowed: string | undefined,
  description: string,
  opts: { modifiable?: boolean; reboot?: boolean; since?: string } = {},
): ParameterSpec => ({
  name,
  value,
  description,
  dataType,
  allowed,
  modifiable: opts.modifiable ?? true,
  changeType: opts.reboot ? 'requires-reboot' : 'immediate',
  minimumEngineVersion: opts.since ?? '2.6.13',
});

const YES_NO = 'yes,no';

export const REDIS_PARAMETERS: readonly ParameterSpec[] = [
  p('activedefrag', 'no', 'string', YES_NO, 'Enables active defragmentation of memory.', { since: '4.0.10' }),
  p('activerehashing', 'yes', 'string', YES_NO, 'Rehashes the main dictionaries incrementally to free memory.', { reboot: true }),
  p('appendonly', 'no', 'string', YES_NO, 'Enables the append-only file (not available on most node types).', { modifiable: false }),
  p('appendfsync', 'everysec', 'string', 'always,everysec,no', 'How often the append-only file is synced to disk.', { modifiable: false }),
  p('client-output-buffer-limit-normal-hard-limit', '0', 'integer', '0-', 'Hard output buffer limit in bytes for normal clients (0 = none).'),
  p('client-output-buffer-limit-normal-soft-limit', '0', 'integer', '0-', 'Soft output buffer limit in bytes for normal clients.'),
  p('client-output-buffer-limit-normal-soft-seconds', '0', 'integer', '0-', 'Seconds a normal client may stay over the soft limit.'),
  p('client-output-buffer-limit-pubsub-hard-limit', '33554432', 'integer', '0-', 'Hard output buffer limit in bytes for pub/sub clients.'),
  p('client-output-buffer-limit-pubsub-soft-limit', '8388608', 'integer', '0-', 'Soft output buffer limit in bytes for pub/sub clients.'),
  p('client-output-buffer-limit-pubsub-soft-seconds', '60', 'integer', '0-', 'Seconds a pub/sub client may stay over the soft limit.'),
  p('client-output-buffer-limit-replica-soft-seconds', '60', 'integer', '0-', 'Seconds a replica link may stay over the soft limit.', { modifiable: false }),
  p('close-on-replica-write', 'yes', 'string', YES_NO, 'Disconnects clients that write to a replica.', { since: '2.8.23' }),
  p('cluster-enabled', 'no', 'string', YES_NO, 'Whether this is a cluster mode enabled replication group.', { modifiable: false, reboot: true, since: '3.2.4' }),
  p('cluster-require-full-coverage', 'no', 'string', YES_NO, 'Refuses queries when some hash slots are not covered.', { since: '3.2.4' }),
  p('databases', '16', 'integer', '1-1200000', 'Number of logical databases.', { reboot: true }),
  p('hash-max-listpack-entries', '128', 'integer', '0-', 'Hashes up to this many fields use the compact encoding.', { since: '7.0.5' }),
  p('hash-max-listpack-value', '64', 'integer', '0-', 'Hash values up to this size use the compact encoding.', { since: '7.0.5' }),
  p('hll-sparse-max-bytes', '3000', 'integer', '0-16000', 'HyperLogLog sparse representation limit in bytes.'),
  p('latency-tracking', 'no', 'string', YES_NO, 'Tracks per-command latency percentiles.', { since: '7.0.5' }),
  p('lazyfree-lazy-eviction', 'no', 'string', YES_NO, 'Frees evicted keys in the background.', { since: '4.0.10' }),
  p('lazyfree-lazy-expire', 'no', 'string', YES_NO, 'Frees expired keys in the background.', { since: '4.0.10' }),
  p('lazyfree-lazy-server-del', 'no', 'string', YES_NO, 'Frees keys deleted implicitly by commands in the background.', { since: '4.0.10' }),
  p('lfu-decay-time', '1', 'integer', '0-', 'Minutes after which the LFU counter of an idle key is decremented.', { since: '4.0.10' }),
  p('lfu-log-factor', '10', 'integer', '1-', 'Logarithmic factor of the LFU access counter.', { since: '4.0.10' }),
  p('list-compress-depth', '0', 'integer', '0-', 'Nodes at each end of a list left uncompressed (0 = no compression).', { since: '3.2.4' }),
  p('list-max-listpack-size', '-2', 'integer', '-5-', 'Maximum size of each list node: negative values are byte limits.', { since: '7.0.5' }),
  p('lua-time-limit', '5000', 'integer', '5000', 'Maximum execution time of a Lua script in milliseconds.', { modifiable: false }),
  p('maxclients', '65000', 'integer', '1-65000', 'Maximum number of connected clients.', { modifiable: false, reboot: true }),
  p('maxmemory-policy', 'volatile-lru', 'string', 'volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction', 'How keys are evicted when memory is full.'),
  p('maxmemory-samples', '3', 'integer', '1-', 'Keys sampled per eviction for the approximated LRU/LFU/TTL policies.'),
  p('min-replicas-max-lag', '10', 'integer', '0-', 'Replica lag in seconds counted by min-replicas-to-write.', { since: '5.0.0' }),
  p('min-replicas-to-write', '0', 'integer', '0-', 'Minimum replicas with lag below min-replicas-max-lag for writes to be accepted.', { since: '5.0.0' }),
  p('notify-keyspace-events', '', 'string', undefined, 'Keyspace events published to pub/sub channels.'),
  p('proto-max-bulk-len', '536870912', 'integer', '1048576-536870912', 'Maximum size of a single bulk string in bytes.', { since: '4.0.10' }),
  p('repl-backlog-size', '1048576', 'integer', '16384-', 'Size of the replication backlog in bytes.'),
  p('repl-backlog-ttl', '3600', 'integer', '0-', 'Seconds the backlog is kept after the last replica disconnects.'),
  p('reserved-memory-percent', '25', 'integer', '0-100', 'Percent of node memory reserved for non-data use.', { since: '2.8.22' }),
  p('set-max-intset-entries', '512', 'integer', '0-', 'Sets of integers up to this size use the intset encoding.'),
  p('set-max-listpack-entries', '128', 'integer', '0-', 'Small sets up to this size use the listpack encoding.', { since: '7.2.4' }),
  p('slowlog-log-slower-than', '10000', 'integer', '-1-', 'Commands slower than this many microseconds are logged.'),
  p('slowlog-max-len', '128', 'integer', '0-', 'Length of the slow log.'),
  p('stream-node-max-bytes', '4096', 'integer', '0-', 'Maximum bytes in a single stream node.', { since: '5.0.0' }),
  p('stream-node-max-entries', '100', 'integer', '0-', 'Maximum entries in a single stream node.', { since: '5.0.0' }),
  p('tcp-keepalive', '300', 'integer', '0-', 'Seconds between TCP keepalive probes to clients.'),
  p('timeout', '0', 'integer', '0-', 'Seconds after which an idle client is closed (0 = never).'),
  p('zset-max-listpack-entries', '128', 'integer', '0-', 'Sorted sets up to this many members use the compact encoding.', { since: '7.0.5' }),
  p('zset-max-listpack-value', '64', 'integer', '0-', 'Sorted set members up to this size use the compact encoding.', { since: '7.0.5' }),
];

export const MEMCACHED_PARAMETERS: readonly ParameterSpec[] = [
  p('backlog_queue_limit', '1024', 'integer', '1-10000', 'Backlog queue limit of the listening socket.', { modifiable: false, reboot: true, since: '1.4.5' }),
  p('binding_protocol', 'auto', 'string', 'auto,binary,ascii', 'Protocols the node accepts.', { reboot: true, since: '1.4.5' }),
  p('cas_disabled', '0', 'boolean', '0,1', 'Disables compare-and-swap (saves 8 bytes per item).', { reboot: true, since: '1.4.5' }),
  p('chunk_size', '48', 'integer', '1-', 'Minimum space for an item key, value and flags.', { reboot: true, since: '1.4.5' }),
  p('chunk_size_growth_factor', '1.25', 'string', '1-2', 'Growth factor between slab classes.', { reboot: true, since: '1.4.5' }),
  p('disable_flush_all', '0', 'boolean', '0,1', 'Refuses the flush_all command.', { since: '1.4.24' }),
  p('error_on_memory_exhausted', '0', 'boolean', '0,1', 'Answers an error instead of evicting when memory is full (-M).', { reboot: true, since: '1.4.5' }),
  p('idle_timeout', '0', 'integer', '0-', 'Seconds after which an idle client is closed (0 = never).', { since: '1.4.33' }),
  p('large_memory_pages', '0', 'boolean', '0,1', 'Uses large memory pages.', { modifiable: false, reboot: true, since: '1.4.5' }),
  p('lock_down_paged_memory', '0', 'boolean', '0,1', 'Locks down paged memory.', { modifiable: false, reboot: true, since: '1.4.5' }),
  p('lru_crawler', '0', 'boolean', '0,1', 'Runs the background LRU crawler.', { reboot: true, since: '1.4.24' }),
  p('max_item_size', '1048576', 'integer', '1048576-134217728', 'Largest item the node stores, in bytes.', { reboot: true, since: '1.4.33' }),
  p('max_simultaneous_connections_per_server', '65000', 'integer', '1-65000', 'Maximum number of connections.', { modifiable: false, reboot: true, since: '1.4.5' }),
  p('maximize_core_file_limit', '0', 'boolean', '0,1', 'Maximizes the core file limit.', { modifiable: false, reboot: true, since: '1.4.5' }),
  p('memcached_connections_overhead', '100', 'integer', '0-', 'Memory reserved for connections, in MiB.', { since: '1.4.5' }),
  p('requests_per_event', '20', 'integer', '0-1000', 'Requests processed per connection event.', { reboot: true, since: '1.4.5' }),
  p('slab_reassign', '0', 'boolean', '0,1', 'Allows slab pages to move between classes.', { reboot: true, since: '1.4.24' }),
  p('track_sizes', '0', 'boolean', '0,1', 'Tracks item sizes for stats sizes.', { reboot: true, since: '1.4.24' }),
  p('watcher_logbuf_size', '256', 'integer', '0-', 'Log buffer size in KiB for log watchers.', { since: '1.4.33' }),
];

export function parametersForFamily(family: string): readonly ParameterSpec[] {
  return family.startsWith('memcached') ? MEMCACHED_PARAMETERS : REDIS_PARAMETERS;
}

/** Checks a value against the parameter's type and allowed values; answers an error text or undefined. */
export function checkParameterValue(spec: ParameterSpec, value: string): string | undefined {
  const bad = `Value ${JSON.stringify(value)} is not valid for parameter ${spec.name}.`;
  if (spec.dataType === 'integer' || spec.dataType === 'boolean') {
    if (!/^-?\d+$/.test(value)) return `${bad} It must be an integer.`;
  }
  if (!spec.allowed) return undefined;
  const range = /^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)?$/.exec(spec.allowed);
  if (range) {
    const n = Number(value);
    if (Number.isNaN(n) || n < Number(range[1]) || (range[2] !== undefined && n > Number(range[2]))) {
      return `${bad} Allowed values: ${spec.allowed}.`;
    }
    return undefined;
  }
  if (spec.allowed.includes(',') && !spec.allowed.split(',').includes(value)) return `${bad} Allowed values: ${spec.allowed}.`;
  if (!spec.allowed.includes(',') && spec.allowed !== value) return `${bad} Allowed values: ${spec.allowed}.`;
  return undefined;
}
