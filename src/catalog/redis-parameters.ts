/**
 * Redis OSS and Valkey parameters per family, as the ElastiCache user guide lists them ("Redis OSS-specific
 * parameters", "Valkey and Redis OSS parameters"). A row says from which family (and engine version) a
 * parameter exists and, for renamed or dropped ones, the first family without it. Descriptions are ours.
 */
import type { ParameterRow } from './parameter-rows.ts';

export const REDIS_FAMILIES = ['redis2.6', 'redis2.8', 'redis3.2', 'redis4.0', 'redis5.0', 'redis6.x', 'redis7', 'valkey7', 'valkey8', 'valkey9'] as const;

const YN = 'yes,no';
const POLICIES_26 = 'volatile-lru,allkeys-lru,volatile-random,allkeys-random,volatile-ttl,noeviction';
const POLICIES_40 = 'volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction';

// name, default, type, allowed, flags, since (engine version), until (first family without it), description
export const REDIS_ROWS: readonly ParameterRow[] = [
  ['activerehashing', 'yes', 'string', YN, 'reboot', '2.6.13', undefined, 'Rehashes the main dictionaries incrementally to free memory.', { fixedFrom: 'redis7' }],
  ['appendonly', 'no', 'string', YN, 'fixed', '2.6.13', undefined, 'Append-only file persistence (not offered; Multi-AZ replaces it).'],
  ['appendfsync', 'everysec', 'string', 'always,everysec,no', 'fixed', '2.6.13', undefined, 'How often the append-only file is synced to disk.'],
  ['client-output-buffer-limit-normal-hard-limit', '0', 'integer', '0-', '', '2.6.13', undefined, 'Hard output buffer limit in bytes for normal clients (0 = none).'],
  ['client-output-buffer-limit-normal-soft-limit', '0', 'integer', '0-', '', '2.6.13', undefined, 'Soft output buffer limit in bytes for normal clients.'],
  ['client-output-buffer-limit-normal-soft-seconds', '0', 'integer', '0-', '', '2.6.13', undefined, 'Seconds a normal client may stay over the soft limit.'],
  ['client-output-buffer-limit-pubsub-hard-limit', '33554432', 'integer', '0-', '', '2.6.13', undefined, 'Hard output buffer limit in bytes for pub/sub clients.'],
  ['client-output-buffer-limit-pubsub-soft-limit', '8388608', 'integer', '0-', '', '2.6.13', undefined, 'Soft output buffer limit in bytes for pub/sub clients.'],
  ['client-output-buffer-limit-pubsub-soft-seconds', '60', 'integer', '0-', '', '2.6.13', undefined, 'Seconds a pub/sub client may stay over the soft limit.'],
  ['client-output-buffer-limit-slave-soft-seconds', '60', 'integer', '0-', 'fixed', '2.6.13', 'redis5.0', 'Seconds a replica link may stay over the soft limit.'],
  ['client-output-buffer-limit-replica-soft-seconds', '60', 'integer', '0-', 'fixed', '5.0.0', undefined, 'Seconds a replica link may stay over the soft limit.'],
  ['databases', '16', 'integer', '1-1200000', 'reboot', '2.6.13', undefined, 'Number of logical databases.'],
  ['hash-max-ziplist-entries', '512', 'integer', '0-', '', '2.6.13', 'redis7', 'Hashes up to this many fields use the compact encoding.'],
  ['hash-max-ziplist-value', '64', 'integer', '0-', '', '2.6.13', 'redis7', 'Hash values up to this size use the compact encoding.'],
  ['list-max-ziplist-entries', '512', 'integer', '0-', '', '2.6.13', 'redis3.2', 'Lists up to this many entries use the compact encoding.'],
  ['list-max-ziplist-value', '64', 'integer', '0-', '', '2.6.13', 'redis3.2', 'List entries up to this size use the compact encoding.'],
  ['lua-time-limit', '5000', 'integer', '5000', 'fixed', '2.6.13', undefined, 'Maximum execution time of a Lua script in milliseconds.'],
  ['maxclients', '65000', 'integer', '1-65000', 'fixed-reboot', '2.6.13', undefined, 'Maximum number of connected clients.'],
  ['maxmemory-policy', 'volatile-lru', 'string', POLICIES_26, '', '2.6.13', 'redis4.0', 'How keys are evicted when memory is full.'],
  ['maxmemory-policy', 'volatile-lru', 'string', POLICIES_40, '', '4.0.10', undefined, 'How keys are evicted when memory is full.'],
  ['maxmemory-samples', '3', 'integer', '1-', '', '2.6.13', 'valkey8', 'Keys sampled per eviction for the approximated LRU/LFU/TTL policies.'],
  ['maxmemory-samples', '3', 'integer', '1-64', '', '8.0.0', undefined, 'Keys sampled per eviction for the approximated LRU/LFU/TTL policies.'],
  ['reserved-memory', '0', 'integer', '0-', '', '2.6.13', undefined, 'Bytes of node memory reserved for non-data use.'],
  ['set-max-intset-entries', '512', 'integer', '0-', '', '2.6.13', undefined, 'Sets of integers up to this size use the intset encoding.'],
  ['slave-allow-chaining', 'no', 'string', YN, 'fixed', '2.6.13', 'redis5.0', 'Whether a replica may have replicas of its own.'],
  ['replica-allow-chaining', 'no', 'string', YN, 'fixed', '5.0.0', undefined, 'Whether a replica may have replicas of its own.'],
  ['slowlog-log-slower-than', '10000', 'integer', '-', '', '2.6.13', undefined, 'Commands slower than this many microseconds are logged.'],
  ['slowlog-max-len', '128', 'integer', '0-', '', '2.6.13', undefined, 'Length of the slow log.'],
  ['tcp-keepalive', '0', 'integer', '0-', '', '2.6.13', 'redis3.2', 'Seconds between TCP keepalive probes to clients.'],
  ['tcp-keepalive', '300', 'integer', '0-', '', '3.2.4', undefined, 'Seconds between TCP keepalive probes to clients.'],
  ['timeout', '0', 'integer', '0,20-', '', '2.6.13', undefined, 'Seconds after which an idle client is closed (0 = never).'],
  ['zset-max-ziplist-entries', '128', 'integer', '0-', '', '2.6.13', 'redis7', 'Sorted sets up to this many members use the compact encoding.'],
  ['zset-max-ziplist-value', '64', 'integer', '0-', '', '2.6.13', 'redis7', 'Sorted set members up to this size use the compact encoding.'],
  // 2.8
  ['min-slaves-max-lag', '10', 'integer', '0-', '', '2.8.6', 'redis5.0', 'Replica lag in seconds counted by min-slaves-to-write.'],
  ['min-slaves-to-write', '0', 'integer', '0-', '', '2.8.6', 'redis5.0', 'Minimum replicas with low lag for writes to be accepted.'],
  ['notify-keyspace-events', '', 'string', undefined, '', '2.8.6', undefined, 'Keyspace events published to pub/sub channels.'],
  ['repl-backlog-size', '1048576', 'integer', '16384-', '', '2.8.6', 'valkey8', 'Size of the replication backlog in bytes.'],
  ['repl-backlog-size', '10485760', 'integer', '16384-', '', '8.0.0', undefined, 'Size of the replication backlog in bytes.'],
  ['repl-backlog-ttl', '3600', 'integer', '0-', '', '2.8.6', undefined, 'Seconds the backlog is kept after the last replica disconnects.'],
  ['repl-timeout', '60', 'integer', '60', 'fixed', '2.8.6', 'redis5.0', 'Replication timeout in seconds.'],
  ['reserved-memory-percent', '25', 'integer', '0-100', '', '2.8.22', undefined, 'Percent of node memory reserved for non-data use.'],
  ['close-on-slave-write', 'yes', 'string', YN, '', '2.8.23', 'redis5.0', 'Disconnects clients that write to a replica.'],
  ['close-on-replica-write', 'yes', 'string', YN, '', '5.0.0', undefined, 'Disconnects clients that write to a replica.'],
  // 3.2
  ['cluster-enabled', 'no', 'string', YN, 'reboot', '3.2.4', undefined, 'Whether groups using this parameter group run in cluster mode.'],
  ['cluster-require-full-coverage', 'no', 'string', YN, '', '3.2.4', undefined, 'Refuses queries when some hash slots are not covered.'],
  ['hll-sparse-max-bytes', '3000', 'integer', '1-16000', '', '3.2.4', undefined, 'HyperLogLog sparse representation limit in bytes.'],
  ['list-compress-depth', '0', 'integer', '0-', '', '3.2.4', undefined, 'Nodes at each end of a list left uncompressed (0 = no compression).'],
  ['list-max-ziplist-size', '-2', 'integer', '-5-', '', '3.2.4', 'redis7', 'Maximum size of each list node: negative values are byte limits.'],
  // 4.0
  ['activedefrag', 'no', 'string', YN, '', '4.0.10', undefined, 'Enables active defragmentation of memory.'],
  ['active-defrag-ignore-bytes', '104857600', 'integer', '10485760-104857600', '', '4.0.10', undefined, 'Fragmentation waste below which no defragmentation starts.'],
  ['active-defrag-threshold-lower', '10', 'integer', '1-100', '', '4.0.10', undefined, 'Fragmentation percent at which defragmentation starts.'],
  ['active-defrag-threshold-upper', '100', 'integer', '1-100', '', '4.0.10', undefined, 'Fragmentation percent at which defragmentation runs at full effort.'],
  ['active-defrag-cycle-min', '25', 'integer', '1-75', '', '4.0.10', 'redis5.0', 'Minimal CPU percent spent on defragmentation.'],
  ['active-defrag-cycle-min', '5', 'integer', '1-75', '', '5.0.0', undefined, 'Minimal CPU percent spent on defragmentation.'],
  ['active-defrag-cycle-max', '75', 'integer', '1-75', '', '4.0.10', undefined, 'Maximal CPU percent spent on defragmentation.'],
  ['client-query-buffer-limit', '1073741824', 'integer', '1048576-1073741824', '', '4.0.10', undefined, 'Maximum size of a client query buffer in bytes.'],
  ['proto-max-bulk-len', '536870912', 'integer', '1048576-536870912', '', '4.0.10', undefined, 'Maximum size of a single bulk string in bytes.'],
  ['lazyfree-lazy-eviction', 'no', 'string', YN, '', '4.0.10', 'valkey8', 'Frees evicted keys in the background.'],
  ['lazyfree-lazy-expire', 'no', 'string', YN, '', '4.0.10', 'valkey8', 'Frees expired keys in the background.'],
  ['lazyfree-lazy-server-del', 'no', 'string', YN, '', '4.0.10', 'valkey8', 'Frees keys deleted implicitly by commands in the background.'],
  ['slave-lazy-flush', 'no', 'string', YN, 'fixed', '4.0.10', 'redis5.0', 'Flushes a replica asynchronously during a full sync.'],
  ['replica-lazy-flush', 'yes', 'string', YN, 'fixed', '5.0.0', 'valkey8', 'Flushes a replica asynchronously during a full sync.'],
  ['lfu-log-factor', '10', 'integer', '1-', '', '4.0.10', undefined, 'Logarithmic factor of the LFU access counter.'],
  ['lfu-decay-time', '1', 'integer', '0-', '', '4.0.10', undefined, 'Minutes after which the LFU counter of an idle key is decremented.'],
  // 5.0
  ['stream-node-max-bytes', '4096', 'integer', '0-', '', '5.0.0', undefined, 'Maximum bytes in a single stream node.'],
  ['stream-node-max-entries', '100', 'integer', '0-', '', '5.0.0', undefined, 'Maximum entries in a single stream node.'],
  ['active-defrag-max-scan-fields', '1000', 'integer', '1-1000000', '', '5.0.0', undefined, 'Fields of a key scanned per defragmentation step.'],
  ['lua-replicate-commands', 'yes', 'string', YN, '', '5.0.0', 'redis6.x', 'Replicates the effects of scripts instead of the scripts.'],
  ['replica-ignore-maxmemory', 'yes', 'string', YN, 'fixed', '5.0.0', undefined, 'Replicas ignore maxmemory and follow their primary.'],
  ['min-replicas-max-lag', '10', 'integer', '0-', '', '5.0.0', undefined, 'Replica lag in seconds counted by min-replicas-to-write.'],
  ['min-replicas-to-write', '0', 'integer', '0-', '', '5.0.0', undefined, 'Minimum replicas with low lag for writes to be accepted.'],
  ['rename-commands', '', 'string', undefined, '', '5.0.3', undefined, 'Space-separated pairs of commands and their new names.'],
  // 6.x
  ['acllog-max-len', '128', 'integer', '1-10000', '', '6.0.0', undefined, 'Maximum number of entries in the ACL log.'],
  ['active-expire-effort', '1', 'integer', '1-10', '', '6.0.0', undefined, 'Effort spent on active expiry.'],
  ['lazyfree-lazy-user-del', 'no', 'string', YN, '', '6.0.0', 'valkey8', 'DEL frees values in the background like UNLINK.'],
  ['tracking-table-max-keys', '1000000', 'integer', '1-100000000', '', '6.0.0', undefined, 'Keys tracked for client-side caching.'],
  ['cluster-allow-reads-when-down', 'no', 'string', YN, '', '6.0.0', undefined, 'Serves reads while the cluster is marked down.'],
  ['acl-pubsub-default', 'allchannels', 'string', 'resetchannels,allchannels', '', '6.2.0', undefined, 'Default pub/sub channel permissions of new ACL users.'],
  // 7
  ['cluster-allow-pubsubshard-when-down', 'yes', 'string', YN, '', '7.0.0', undefined, 'Serves sharded pub/sub while the cluster is marked down.'],
  ['cluster-preferred-endpoint-type', 'tls-dynamic', 'string', 'ip,tls-dynamic', '', '7.0.0', undefined, 'Endpoint type returned in MOVED and ASK redirections.'],
  ['latency-tracking', 'no', 'string', YN, '', '7.0.0', undefined, 'Tracks per-command latency percentiles.'],
  ['hash-max-listpack-entries', '512', 'integer', '0-', '', '7.0.0', undefined, 'Hashes up to this many fields use the compact encoding.'],
  ['hash-max-listpack-value', '64', 'integer', '0-', '', '7.0.0', undefined, 'Hash values up to this size use the compact encoding.'],
  ['zset-max-listpack-entries', '128', 'integer', '0-', '', '7.0.0', undefined, 'Sorted sets up to this many members use the compact encoding.'],
  ['zset-max-listpack-value', '64', 'integer', '0-', '', '7.0.0', undefined, 'Sorted set members up to this size use the compact encoding.'],
  ['list-max-listpack-size', '-2', 'integer', '-5-', '', '7.0.0', undefined, 'Maximum size of each list node: negative values are byte limits.'],
  ['lazyfree-lazy-user-flush', 'no', 'string', YN, '', '7.0.0', undefined, 'FLUSHALL and FLUSHDB free in the background by default.'],
  // Valkey 7.2 and later
  ['set-max-listpack-entries', '128', 'integer', '0-', '', '7.2.4', undefined, 'Small sets up to this size use the listpack encoding.', { families: ['valkey7', 'valkey8', 'valkey9'] }],
  ['set-max-listpack-value', '64', 'integer', '0-', '', '7.2.4', undefined, 'Small set members up to this size use the listpack encoding.', { families: ['valkey7', 'valkey8', 'valkey9'] }],
  // Valkey 8.0 (it also drops the lazyfree-* parameters and replica-lazy-flush)
  ['extended-redis-compatibility', 'yes', 'boolean', YN, '', '8.0.0', undefined, 'Valkey presents itself as Redis OSS 7.2 to clients and tools.'],
  // Valkey 8.1
  ['commandlog-request-larger-than', '1048576', 'integer', '-', '', '8.1.0', undefined, 'Requests larger than this many bytes are logged in the command log.'],
  ['commandlog-large-request-max-len', '128', 'integer', '0-1024', '', '8.1.0', undefined, 'Length of the command log of large requests.'],
  ['commandlog-reply-larger-than', '1048576', 'integer', '-', '', '8.1.0', undefined, 'Replies larger than this many bytes are logged in the command log.'],
  ['commandlog-large-reply-max-len', '128', 'integer', '0-1024', '', '8.1.0', undefined, 'Length of the command log of large replies.'],
  // Valkey 8.2 (valkey8 groups list them with MinimumEngineVersion 8.2.0: they do not apply to 8.1)
  ['search-fanout-target-mode', 'client', 'string', 'client,throughput', '', '8.2.0', undefined, 'How search queries are spread over the nodes: by client role and READONLY, or over all nodes.'],
  ['search-default-timeout-ms', '50000', 'integer', '1-60000', '', '8.2.0', undefined, 'Default timeout of a search query in milliseconds.'],
  ['search-enable-partial-results', 'yes', 'boolean', YN, '', '8.2.0', undefined, 'A search query answers what the other shards found when one times out.'],
  // Valkey 9.0: chosen when the cluster is created, never modified afterwards
  ['cluster-databases', '0', 'integer', '1-10000', 'fixed', '9.0.0', undefined, 'Number of databases available in cluster mode.'],
];
