// Runtime configuration: the parameters CONFIG GET/SET understand, each with Redis's default,
// its text form and its validation.
import { limits } from './limits.ts';
import { DEFAULT_ENCODING_THRESHOLDS, type EncodingThresholds } from './db/objects.ts';
import { fail } from './errors.ts';

export const EVICTION_POLICIES = [
  'volatile-lru',
  'allkeys-lru',
  'volatile-lfu',
  'allkeys-lfu',
  'volatile-random',
  'allkeys-random',
  'volatile-ttl',
  'noeviction',
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export class Config {
  maxmemory = 0;
  maxmemoryPolicy: EvictionPolicy = 'volatile-lru';
  maxmemorySamples: number = limits.MAXMEMORY_SAMPLES;
  requirepass = '';
  maxclients: number = limits.MAX_CLIENTS;
  protoMaxBulkLen: number = limits.PROTO_MAX_BULK_LEN;
  clientQueryBufferLimit: number = limits.CLIENT_QUERY_BUFFER_LIMIT;
  pubsubHardLimit: number = limits.PUBSUB_OUTPUT_HARD_LIMIT;
  pubsubSoftLimit: number = limits.PUBSUB_OUTPUT_SOFT_LIMIT;
  pubsubSoftSeconds: number = limits.PUBSUB_OUTPUT_SOFT_SECONDS;
  hz: number = limits.HZ;
  timeout = 0;
  slowlogSlowerThan: number = limits.SLOWLOG_SLOWER_THAN;
  slowlogMaxLen: number = limits.SLOWLOG_MAX_LEN;
  notifyKeyspaceEvents = '';
  /** Compact-encoding limits; the ziplist names are Redis's aliases for the listpack ones. */
  readonly encoding: EncodingThresholds = { ...DEFAULT_ENCODING_THRESHOLDS };
  activeExpire = true;
  port = 0;
  bind = '127.0.0.1';
  /** Parameters we accept and echo back without acting on them. */
  readonly passive = new Map<string, string>([
    ['save', ''],
    ['appendonly', 'no'],
    ['appendfsync', 'everysec'],
    ['databases', '16'],
    ['lfu-log-factor', String(limits.LFU_LOG_FACTOR)],
    ['lfu-decay-time', String(limits.LFU_DECAY_TIME)],
    ['list-max-listpack-size', '-2'],
    ['tcp-keepalive', '300'],
    ['loglevel', 'notice'],
    ['dir', '/data'],
    ['dbfilename', 'dump.rdb'],
    ['lazyfree-lazy-eviction', 'no'],
    ['lazyfree-lazy-expire', 'no'],
    ['lazyfree-lazy-user-del', 'no'],
    ['cluster-enabled', 'no'],
    ['latency-tracking', 'yes'],
    ['busy-reply-threshold', '5000'],
    ['lua-time-limit', '5000'],
    ['activedefrag', 'no'],
    ['replica-read-only', 'yes'],
    ['maxmemory-clients', '0'],
    ['close-on-replica-write', 'yes'],
  ]);

  private params(): Map<string, { get: () => string; set: (v: string) => void }> {
    const num = (name: string, min: number, apply: (n: number) => void, mem = false) => (v: string) => {
      const n = mem ? parseMemory(v) : /^-?[0-9]+$/.test(v) ? Number(v) : null;
      if (n === null || n < min) fail(`ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into an integer`);
      apply(n);
    };
    return new Map([
      ['maxmemory', { get: () => String(this.maxmemory), set: num('maxmemory', 0, (n) => (this.maxmemory = n), true) }],
      [
        'maxmemory-policy',
        {
          get: () => this.maxmemoryPolicy,
          set: (v: string) => {
            const p = v.toLowerCase();
            if (!(EVICTION_POLICIES as readonly string[]).includes(p)) fail(`ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: ${EVICTION_POLICIES.join(', ')}`);
            this.maxmemoryPolicy = p as EvictionPolicy;
          },
        },
      ],
      ['maxmemory-samples', { get: () => String(this.maxmemorySamples), set: num('maxmemory-samples', 1, (n) => (this.maxmemorySamples = n)) }],
      ['requirepass', { get: () => this.requirepass, set: (v: string) => (this.requirepass = v) }],
      ['maxclients', { get: () => String(this.maxclients), set: num('maxclients', 1, (n) => (this.maxclients = n)) }],
      ['proto-max-bulk-len', { get: () => String(this.protoMaxBulkLen), set: num('proto-max-bulk-len', 1024 * 1024, (n) => (this.protoMaxBulkLen = n), true) }],
      ['client-query-buffer-limit', { get: () => String(this.clientQueryBufferLimit), set: num('client-query-buffer-limit', 1024 * 1024, (n) => (this.clientQueryBufferLimit = n), true) }],
      [
        'client-output-buffer-limit',
        {
          get: () => `normal 0 0 0 slave 268435456 67108864 60 pubsub ${this.pubsubHardLimit} ${this.pubsubSoftLimit} ${this.pubsubSoftSeconds}`,
          set: (v: string) => this.setOutputLimits(v),
        },
      ],
      ['hz', { get: () => String(this.hz), set: num('hz', 1, (n) => (this.hz = Math.min(500, n))) }],
      ['timeout', { get: () => String(this.timeout), set: num('timeout', 0, (n) => (this.timeout = n)) }],
      ['slowlog-log-slower-than', { get: () => String(this.slowlogSlowerThan), set: num('slowlog-log-slower-than', -1, (n) => (this.slowlogSlowerThan = n)) }],
      ['slowlog-max-len', { get: () => String(this.slowlogMaxLen), set: num('slowlog-max-len', 0, (n) => (this.slowlogMaxLen = n)) }],
      [
        'notify-keyspace-events',
        {
          get: () => this.notifyKeyspaceEvents,
          set: (v: string) => {
            if (!/^[Ag$lshzxeKEtmdn]*$/.test(v)) fail("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            this.notifyKeyspaceEvents = v;
          },
        },
      ],
      ...(
        [
          ['hash-max-listpack-entries', 'hashEntries'],
          ['hash-max-ziplist-entries', 'hashEntries'],
          ['hash-max-listpack-value', 'hashValue'],
          ['hash-max-ziplist-value', 'hashValue'],
          ['zset-max-listpack-entries', 'zsetEntries'],
          ['zset-max-ziplist-entries', 'zsetEntries'],
          ['zset-max-listpack-value', 'zsetValue'],
          ['zset-max-ziplist-value', 'zsetValue'],
          ['set-max-intset-entries', 'setIntsetEntries'],
        ] as const
      ).map(([name, field]) => [name, { get: () => String(this.encoding[field]), set: num(name, 0, (n) => (this.encoding[field] = n)) }] as const),
      ['port', { get: () => String(this.port), set: () => fail("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config") }],
      ['bind', { get: () => this.bind, set: () => fail("ERR CONFIG SET failed (possibly related to argument 'bind') - can't set immutable config") }],
    ]);
  }

  private setOutputLimits(v: string): void {
    const parts = v.trim().split(/\s+/);
    if (parts.length % 4 !== 0) fail("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.");
    for (let i = 0; i < parts.length; i += 4) {
      const cls = (parts[i] as string).toLowerCase();
      const hard = parseMemory(parts[i + 1] as string);
      const soft = parseMemory(parts[i + 2] as string);
      const secs = Number(parts[i + 3]);
      if (hard === null || soft === null || !Number.isInteger(secs)) fail("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      if (cls === 'pubsub') {
        this.pubsubHardLimit = hard;
        this.pubsubSoftLimit = soft;
        this.pubsubSoftSeconds = secs;
      }
    }
  }

  names(): string[] {
    return [...this.params().keys(), ...this.passive.keys()];
  }

  get(name: string): string | undefined {
    const p = this.params().get(name);
    if (p) return p.get();
    return this.passive.get(name);
  }

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const p = this.params().get(key);
    if (p) return p.set(value);
    if (this.passive.has(key)) {
      if (key === 'databases') fail("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
      this.passive.set(key, value);
      return;
    }
    fail(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
  }
}

/** Redis memory units: k=1000, kb=1024, m, mb, g, gb (case-insensitive); null if malformed. */
export function parseMemory(v: string): number | null {
  const m = /^(-?[0-9]+)(k|kb|m|mb|g|gb|b)?$/i.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 * 1024 * 1024 };
  return n * (mul[unit] as number);
}

