/**
 * Memcached parameters per family, as the ElastiCache user guide lists them ("Memcached specific
 * parameters"): 1.4.5 first, then what 1.4.14, 1.4.24, 1.4.33, 1.5.10 and 1.6.x added. Descriptions are ours.
 */
import type { ParameterRow } from './parameter-rows.ts';

export const MEMCACHED_FAMILIES = ['memcached1.4', 'memcached1.5', 'memcached1.6'] as const;

const BOOL = '0,1';

export const MEMCACHED_ROWS: readonly ParameterRow[] = [
  ['backlog_queue_limit', '1024', 'integer', '1-10000', 'fixed-reboot', '1.4.5', undefined, 'Backlog queue limit of the listening socket.'],
  ['binding_protocol', 'auto', 'string', 'auto,binary,ascii', 'fixed-reboot', '1.4.5', undefined, 'Protocols the node accepts.'],
  ['cas_disabled', '0', 'boolean', BOOL, 'reboot', '1.4.5', undefined, 'Disables compare-and-swap (saves 8 bytes per item).'],
  ['chunk_size', '48', 'integer', '1-', 'reboot', '1.4.5', undefined, 'Minimum space for an item key, value and flags.'],
  ['chunk_size_growth_factor', '1.25', 'float', '1-2', 'reboot', '1.4.5', undefined, 'Growth factor between slab classes.'],
  ['error_on_memory_exhausted', '0', 'boolean', BOOL, 'reboot', '1.4.5', undefined, 'Answers an error instead of evicting when memory is full (-M).'],
  ['large_memory_pages', '0', 'boolean', BOOL, 'fixed-reboot', '1.4.5', undefined, 'Uses large memory pages.'],
  ['lock_down_paged_memory', '0', 'boolean', BOOL, 'fixed-reboot', '1.4.5', undefined, 'Locks down paged memory.'],
  ['max_item_size', '1048576', 'integer', '1048576-134217728', 'reboot', '1.4.5', undefined, 'Largest item the node stores, in bytes.'],
  ['max_simultaneous_connections_per_server', '65000', 'integer', '1-65000', 'fixed-reboot', '1.4.5', undefined, 'Maximum number of connections.'],
  ['maximize_core_file_limit', '0', 'boolean', BOOL, 'fixed-reboot', '1.4.5', undefined, 'Maximizes the core file limit.'],
  ['memcached_connections_overhead', '100', 'integer', '0-', 'reboot', '1.4.5', undefined, 'Memory reserved for connections, in MiB.'],
  ['requests_per_event', '20', 'integer', '0-1000', 'fixed-reboot', '1.4.5', undefined, 'Requests processed per connection event.'],
  // 1.4.14
  ['config_max', '16', 'integer', '16', 'fixed', '1.4.14', undefined, 'Maximum number of configuration entries.'],
  ['config_size_max', '65536', 'integer', '65536', 'fixed', '1.4.14', undefined, 'Maximum size of a configuration entry in bytes.'],
  ['hashpower_init', '16', 'integer', '16', 'fixed', '1.4.14', undefined, 'Initial size of the hash table, as a power of two.'],
  // 1.4.24
  ['disable_flush_all', '0', 'boolean', BOOL, '', '1.4.24', undefined, 'Refuses the flush_all command.'],
  ['hash_algorithm', 'jenkins', 'string', 'jenkins,murmur3', 'reboot', '1.4.24', undefined, 'Hash algorithm for item keys.'],
  ['lru_crawler', '0', 'boolean', BOOL, 'reboot', '1.4.24', undefined, 'Runs the background LRU crawler.'],
  ['lru_maintainer', '0', 'boolean', BOOL, 'reboot', '1.4.24', undefined, 'Runs the background LRU maintainer thread.'],
  ['expirezero_does_not_evict', '0', 'boolean', BOOL, '', '1.4.24', undefined, 'Items without expiry are kept out of eviction (with lru_maintainer).'],
  ['slab_automove', '0', 'integer', '0-2', '', '1.4.24', undefined, 'Moves slab pages between classes automatically.'],
  ['slab_reassign', '0', 'boolean', BOOL, 'reboot', '1.4.24', undefined, 'Allows slab pages to move between classes.'],
  // 1.4.33
  ['modern', '1', 'boolean', BOOL, 'reboot', '1.4.33', undefined, 'Enables the modern set of defaults.'],
  ['watch', '0', 'boolean', BOOL, '', '1.4.33', undefined, 'Enables log watchers.'],
  ['idle_timeout', '0', 'integer', '0-', '', '1.4.33', undefined, 'Seconds after which an idle client is closed (0 = never).'],
  ['track_sizes', '0', 'boolean', BOOL, 'reboot', '1.4.33', undefined, 'Tracks item sizes for stats sizes.'],
  ['watcher_logbuf_size', '256', 'integer', '0-', '', '1.4.33', undefined, 'Log buffer size in KiB for log watchers.'],
  ['worker_logbuf_size', '64', 'integer', '0-', '', '1.4.33', undefined, 'Log buffer size in KiB per worker thread.'],
  ['slab_chunk_max', '524288', 'integer', '1-', 'reboot', '1.4.33', undefined, 'Largest slab chunk in bytes; larger items are chained.'],
  ['lru_crawler_metadump', '0', 'boolean', BOOL, '', '1.4.33', undefined, 'Allows lru_crawler metadump.'],
  // 1.5.10
  ['no_modern', '1', 'boolean', BOOL, 'reboot', '1.5.10', undefined, 'Disables the modern defaults.'],
  ['inline_ascii_resp', '0', 'boolean', BOOL, 'reboot', '1.5.10', undefined, 'Stores numbers from the VALUE response inline in the item.'],
];
