// ElastiCache memcached parameters (the parameter group's effective values) as engine options.
// AWS applies them at node start, as memcached's command-line options, so they are read once here.
import type { MemcachedServerOptions } from '../../engines/memcached/index.ts';
import { compareVersions } from '../catalog/engine-versions.ts';

const MIB = 1024 * 1024;
/** memcached refuses to run with less cache memory than this. */
const MIN_CACHE_MEMORY = 8 * MIB;

type NodeOptions = Pick<
  MemcachedServerOptions,
  'memoryLimit' | 'maxItemSize' | 'errorOnMemoryExhausted' | 'slabReassign' | 'lruCrawler' | 'idleTimeout' | 'geometry'
  | 'disableFlushAll' | 'casDisabled' | 'lruMaintainer' | 'maxConnections' | 'trackSizes' | 'settings'
>;

const PROTOCOLS: Record<string, 'auto-negotiate' | 'ascii' | 'binary'> = { auto: 'auto-negotiate', ascii: 'ascii', binary: 'binary' };

function int(parameters: Map<string, string>, name: string): number | undefined {
  const v = Number(parameters.get(name));
  return parameters.has(name) && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function float(parameters: Map<string, string>, name: string): number | undefined {
  const v = Number(parameters.get(name));
  return parameters.has(name) && Number.isFinite(v) && v > 0 ? v : undefined;
}

function flag(parameters: Map<string, string>, name: string): boolean | undefined {
  const v = parameters.get(name)?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * `memoryBytes` is the node type's memory; memcached_connections_overhead (MiB) is kept back from the cache.
 * `engineVersion` is the node's ElastiCache engine version.
 */
export function memcachedNodeOptions(parameters: Map<string, string>, memoryBytes: number, engineVersion?: string): NodeOptions {
  const overhead = (int(parameters, 'memcached_connections_overhead') ?? 0) * MIB;
  const maxItemSize = int(parameters, 'max_item_size');
  const maxConnections = int(parameters, 'max_simultaneous_connections_per_server');
  const requestsPerEvent = int(parameters, 'requests_per_event');
  const automove = int(parameters, 'slab_automove');
  const settings: NonNullable<MemcachedServerOptions['settings']> = {};
  const backlog = int(parameters, 'backlog_queue_limit');
  if (backlog !== undefined && backlog > 0) settings.tcpBacklog = backlog;
  const protocol = PROTOCOLS[parameters.get('binding_protocol') ?? ''];
  if (protocol !== undefined) settings.bindingProtocol = protocol;
  // memcached refuses -R 0; the parameter's range starts there.
  if (requestsPerEvent !== undefined && requestsPerEvent > 0) settings.reqsPerEvent = requestsPerEvent;
  if (automove !== undefined && automove <= 2) settings.slabAutomove = automove;
  // Not one of no_modern's switches (AWS): the group's value (jenkins by default) is the node's.
  const hash = parameters.get('hash_algorithm');
  if (hash === 'jenkins' || hash === 'murmur3') settings.hashAlgorithm = hash;
  // Both in KiB, as memcached's -o options.
  const watcherLog = int(parameters, 'watcher_logbuf_size');
  if (watcherLog !== undefined) settings.watcherLogbufSize = watcherLog * 1024;
  const workerLog = int(parameters, 'worker_logbuf_size');
  if (workerLog !== undefined) settings.workerLogbufSize = workerLog * 1024;
  // From 1.6.17 AWS no longer serves the lru_crawler, lru and slabs admin commands: the parameter group sets
  // what they would change at run time.
  if (engineVersion !== undefined && compareVersions(engineVersion, '1.6.17') >= 0) settings.adminCommands = false;
  return {
    memoryLimit: Math.max(MIN_CACHE_MEMORY, memoryBytes - overhead),
    maxItemSize: maxItemSize !== undefined && maxItemSize > 0 ? maxItemSize : undefined,
    maxConnections: maxConnections !== undefined && maxConnections > 0 ? maxConnections : undefined,
    errorOnMemoryExhausted: flag(parameters, 'error_on_memory_exhausted'),
    slabReassign: flag(parameters, 'slab_reassign'),
    lruCrawler: flag(parameters, 'lru_crawler'),
    // The 0 default dates from memcached 1.4, whose maintainer was opt-in; AWS starts 1.5+ nodes with
    // memcached's modern defaults, which run it, so only asking for it (1) is passed on.
    lruMaintainer: flag(parameters, 'lru_maintainer') === true ? true : undefined,
    idleTimeout: int(parameters, 'idle_timeout'),
    disableFlushAll: flag(parameters, 'disable_flush_all'),
    casDisabled: flag(parameters, 'cas_disabled'),
    trackSizes: flag(parameters, 'track_sizes'),
    geometry: {
      chunkSize: int(parameters, 'chunk_size') || undefined,
      growthFactor: float(parameters, 'chunk_size_growth_factor'),
      slabChunkMax: int(parameters, 'slab_chunk_max'),
    },
    settings,
  };
}
