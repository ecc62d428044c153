// Runtime configuration: the parameters CONFIG GET/SET understand, each with Redis's default,
// its text form and its validation.
import { limits } from './limits.ts';
import { DEFAULT_ENCODING_THRESHOLDS, type EncodingThresholds } from './db/objects.ts';
import { asCString } from './c-string.ts';
import { fail } from './errors.ts';
import { ALIASES, PARAMS, type ParamSpec } from './config-table.ts';
import { I64_MAX, toFloat, toI64, U64_MAX } from './num.ts';
import { notifyFlagsText, parseNotifyFlags, type NotifyFlags } from './notify.ts';

export const EVICTION_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export const setFailed = (name: string, why: string): never => fail(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);

/** A parameter the engine acts on: how to read it, and how to apply a value already validated. */
interface Live {
  get: () => string;
  set: (v: string) => void;
}

export class Config {
  maxmemory = 0;
  /** redis-server's default; ElastiCache nodes are created with their own (volatile-lru). */
  maxmemoryPolicy: EvictionPolicy = 'noeviction';
  maxmemorySamples: number = limits.MAXMEMORY_SAMPLES;
  requirepass = '';
  maxclients: number = limits.MAX_CLIENTS;
  protoMaxBulkLen: number = limits.PROTO_MAX_BULK_LEN;
  clientQueryBufferLimit: number = limits.CLIENT_QUERY_BUFFER_LIMIT;
  pubsubHardLimit: number = limits.PUBSUB_OUTPUT_HARD_LIMIT;
  pubsubSoftLimit: number = limits.PUBSUB_OUTPUT_SOFT_LIMIT;
  pubsubSoftSeconds: number = limits.PUBSUB_OUTPUT_SOFT_SECONDS;
  /** client-output-buffer-limit normal: 0 0 0 (no limit) unless set. */
  normalHardLimit = 0;
  normalSoftLimit = 0;
  normalSoftSeconds = 0;
  /** The replica class: nodes replicate in-process, so it is only stored and shown (redis-server's default). */
  replicaOutputLimits = '268435456 67108864 60';
  /** maxmemory-clients as set: bytes, or a percentage of maxmemory ("7%"); "0" is off. Read before every command. */
  maxmemoryClients = '0';
  hz: number = limits.HZ;
  replBacklogSize = 1048576;
  timeout = 0;
  slowlogSlowerThan: number = limits.SLOWLOG_SLOWER_THAN;
  slowlogMaxLen: number = limits.SLOWLOG_MAX_LEN;
  notifyKeyspaceEvents = '';
  lfuLogFactor: number = limits.LFU_LOG_FACTOR;
  lfuDecayTime: number = limits.LFU_DECAY_TIME;
  latencyMonitorThreshold = 0;
  /** latency-tracking: whether each command's latency goes into its histogram (INFO LATENCYSTATS, LATENCY HISTOGRAM). */
  latencyTracking = true;
  trackingTableMaxKeys = 1_000_000;
  /** min-replicas-to-write and min-replicas-max-lag: read before every write, so kept as numbers. */
  minReplicasToWrite = 0;
  minReplicasMaxLag = 10;
  /** Compact-encoding limits; the ziplist names are Redis's aliases for the listpack ones. */
  readonly encoding: EncodingThresholds = { ...DEFAULT_ENCODING_THRESHOLDS };
  activeExpire = true;
  port = 0;
  bind = '127.0.0.1';
  /** Every other parameter: validated and stored as Redis shows it, with no effect on the engine. */
  private readonly stored = new Map<string, string>();
  private readonly live: Map<string, Live>;
  /** The text last set for each live parameter: a number kept as a double shows it, past 2^53 too. */
  private readonly liveText = new Map<string, string>();

  constructor() {
    for (const [name, spec] of PARAMS) if (!ALIASES.has(name)) this.stored.set(name, spec.def);
    this.stored.set('dir', process.cwd());
    const num = (apply: (n: number) => void) => (v: string) => apply(Number(v));
    this.live = new Map<string, Live>([
      ['maxmemory', { get: () => String(this.maxmemory), set: num((n) => (this.maxmemory = n)) }],
      ['maxmemory-policy', { get: () => this.maxmemoryPolicy, set: (v) => (this.maxmemoryPolicy = v as EvictionPolicy) }],
      ['maxmemory-samples', { get: () => String(this.maxmemorySamples), set: num((n) => (this.maxmemorySamples = n)) }],
      ['maxmemory-clients', { get: () => this.maxmemoryClients, set: (v) => (this.maxmemoryClients = v) }],
      ['requirepass', { get: () => this.requirepass, set: (v) => (this.requirepass = v) }],
      ['maxclients', { get: () => String(this.maxclients), set: num((n) => (this.maxclients = n)) }],
      ['proto-max-bulk-len', { get: () => String(this.protoMaxBulkLen), set: num((n) => (this.protoMaxBulkLen = n)) }],
      ['client-query-buffer-limit', { get: () => String(this.clientQueryBufferLimit), set: num((n) => (this.clientQueryBufferLimit = n)) }],
      [
        'client-output-buffer-limit',
        {
          get: () => `normal ${this.normalHardLimit} ${this.normalSoftLimit} ${this.normalSoftSeconds} slave ${this.replicaOutputLimits} pubsub ${this.pubsubHardLimit} ${this.pubsubSoftLimit} ${this.pubsubSoftSeconds}`,
          set: (v) => this.setOutputLimits(v),
        },
      ],
      // Redis clamps the effective hz to 500 and shows the clamped value.
      ['hz', { get: () => String(this.hz), set: num((n) => (this.hz = Math.max(1, Math.min(500, n)))) }],
      // 7.0's resizeReplicationBacklog raises a size under 16 KB, and CONFIG GET shows what it made of it.
      ['repl-backlog-size', { get: () => String(this.replBacklogSize), set: num((n) => (this.replBacklogSize = Math.max(16384, n))) }],
      ['timeout', { get: () => String(this.timeout), set: num((n) => (this.timeout = n)) }],
      ['slowlog-log-slower-than', { get: () => String(this.slowlogSlowerThan), set: num((n) => (this.slowlogSlowerThan = n)) }],
      ['slowlog-max-len', { get: () => String(this.slowlogMaxLen), set: num((n) => (this.slowlogMaxLen = n)) }],
      // CONFIG GET says 'n' only without 'A' (keyspaceEventsFlagsToString); the stored text keeps it.
      ['notify-keyspace-events', { get: () => (this.notifyKeyspaceEvents.startsWith('A') ? this.notifyKeyspaceEvents.replace('n', '') : this.notifyKeyspaceEvents), set: (v) => (this.notifyKeyspaceEvents = v) }],
      ['lfu-log-factor', { get: () => String(this.lfuLogFactor), set: num((n) => (this.lfuLogFactor = n)) }],
      ['lfu-decay-time', { get: () => String(this.lfuDecayTime), set: num((n) => (this.lfuDecayTime = n)) }],
      ['latency-monitor-threshold', { get: () => String(this.latencyMonitorThreshold), set: num((n) => (this.latencyMonitorThreshold = n)) }],
      ['latency-tracking', { get: () => (this.latencyTracking ? 'yes' : 'no'), set: (v) => (this.latencyTracking = v === 'yes') }],
      ['tracking-table-max-keys', { get: () => String(this.trackingTableMaxKeys), set: num((n) => (this.trackingTableMaxKeys = n)) }],
      ['min-replicas-to-write', { get: () => String(this.minReplicasToWrite), set: num((n) => (this.minReplicasToWrite = n)) }],
      ['min-replicas-max-lag', { get: () => String(this.minReplicasMaxLag), set: num((n) => (this.minReplicasMaxLag = n)) }],
      ...(
        [
          ['hash-max-listpack-entries', 'hashEntries'],
          ['hash-max-listpack-value', 'hashValue'],
          ['zset-max-listpack-entries', 'zsetEntries'],
          ['zset-max-listpack-value', 'zsetValue'],
          ['set-max-intset-entries', 'setIntsetEntries'],
        ] as const
      ).map(([name, field]) => [name, { get: () => String(this.encoding[field]), set: num((n) => (this.encoding[field] = n)) }] as const),
      ['port', { get: () => String(this.port), set: () => undefined }],
      ['bind', { get: () => this.bind, set: () => undefined }],
    ]);
    for (const name of this.live.keys()) this.stored.delete(name);
  }

  private setOutputLimits(v: string): void {
    const parts = v.trim().split(/\s+/);
    for (let i = 0; i < parts.length; i += 4) {
      const cls = (parts[i] as string).toLowerCase();
      const [hard, soft, seconds] = [parseMemory(parts[i + 1] as string) as number, parseMemory(parts[i + 2] as string) as number, Number(parts[i + 3])];
      if (cls === 'pubsub') [this.pubsubHardLimit, this.pubsubSoftLimit, this.pubsubSoftSeconds] = [hard, soft, seconds];
      else if (cls === 'normal') [this.normalHardLimit, this.normalSoftLimit, this.normalSoftSeconds] = [hard, soft, seconds];
      else if (cls === 'replica' || cls === 'slave') this.replicaOutputLimits = `${hard} ${soft} ${seconds}`;
    }
  }

  /** Every name CONFIG GET * lists, aliases included. */
  names(): string[] {
    return [...PARAMS.keys()];
  }

  get(name: string): string | undefined {
    const key = ALIASES.get(name) ?? name;
    const live = this.live.get(key);
    if (live === undefined) return this.stored.get(key);
    const shown = live.get();
    const given = this.liveText.get(key);
    return given !== undefined && Number(given) === Number(shown) ? given : shown;
  }

  /** One parameter, as CONFIG SET with a single pair. */
  set(name: string, value: string): void {
    this.setMany([[name, value]]);
  }

  /**
   * One parameter from the command line or a config file, before the server starts: what CONFIG SET may
   * not change (immutable, protected) is taken as given; the rest is checked as CONFIG SET checks it.
   * Throws redis-server's reason alone ('argument must be ...'), for its fatal config error.
   */
  setAtStartup(name: string, value: string): void {
    const lower = name.toLowerCase();
    const kind = PARAMS.get(lower)?.kind;
    if (kind === undefined) throw new Error('Bad directive or wrong number of arguments');
    if (kind === 'immutable' || kind === 'protected') {
      this.stored.set(ALIASES.get(lower) ?? lower, value);
      return;
    }
    try {
      this.setMany([[name, value]]);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      throw new Error(text.replace(/^ERR CONFIG SET failed \(possibly related to argument '[^']*'\) - /, ''));
    }
  }

  /** CONFIG SET with several pairs: all validated first, so one bad value changes nothing. */
  setMany(pairs: readonly (readonly [string, string])[]): void {
    // As redis-server 7.0.15: every name is checked before any value, and the first in order that is
    // unknown, immutable, protected or repeated is the error, named as typed; a name and its alias are
    // two parameters (the later pair wins). A value's error names the parameter as its table does.
    const seen = new Set<string>();
    let refused: (() => never) | null = null;
    for (const [name] of pairs) {
      const lower = name.toLowerCase();
      const kind = PARAMS.get(lower)?.kind;
      if (kind === undefined) refused ??= () => fail(`ERR Unknown option or number of arguments for CONFIG SET - '${asCString(name)}'`);
      else if (kind === 'immutable' || kind === 'protected') refused ??= () => setFailed(name, `can't set ${kind} config`);
      else if (seen.has(lower)) refused ??= () => setFailed(name, 'duplicate parameter');
      seen.add(lower);
    }
    if (refused !== null) refused();
    const ready: [string, string][] = [];
    for (const [i, [name, value]] of pairs.entries()) {
      const lower = name.toLowerCase();
      const spec = PARAMS.get(lower) as NonNullable<ReturnType<typeof PARAMS.get>>;
      const key = ALIASES.get(lower) ?? lower;
      // A node's listener is the control plane's business; setting the value already in force is a no-op.
      if (key === 'port' || key === 'bind') {
        if (value === this.get(key)) continue;
        if (this.listenerMovable) {
          // Checked here with the rest; CONFIG SET moves the listener once everything else is in.
          checkListenValue(lower, key, value);
          continue;
        }
      }
      try {
        ready.push([key, normalize(lower, key, spec, value)]);
      } catch (err) {
        // redis-server sets the pairs in order and, when one fails, puts back the failed one and those
        // before it from their CONFIG GET text, which for notify-keyspace-events drops n after A (seed 52840).
        if (pairs.slice(0, i + 1).some(([n]) => n.toLowerCase() === 'notify-keyspace-events')) this.store([['notify-keyspace-events', this.get('notify-keyspace-events') as string]]);
        throw err;
      }
    }
    const before = ready.map(([key]) => [key, this.get(key)] as const);
    this.store(ready);
    if (this.afterSet === null) return;
    const keys = ready.map(([key]) => key);
    try {
      this.afterSet(keys);
    } catch (err) {
      // As redis-server: a value that could not be applied rolls the whole CONFIG SET back.
      this.store(before.filter((b): b is [string, string] => b[1] !== undefined));
      try {
        this.afterSet(keys);
      } catch {
        // The old values were in force before: nothing more to undo.
      }
      throw err;
    }
  }

  /** A bare engine's CONFIG SET port/bind move its listener (config-listen.ts); a node refuses them. */
  listenerMovable = false;

  /** Set by a bare engine: applies what takes effect outside the engine (oom-score-adj); throws to refuse. */
  afterSet: ((keys: readonly string[]) => void) | null = null;

  private store(pairs: readonly (readonly [string, string])[]): void {
    for (const [key, value] of pairs) {
      const live = this.live.get(key);
      if (live) {
        live.set(value);
        this.liveText.set(key, value);
      } else this.stored.set(key, value);
    }
  }
}

/** port and bind as redis-server 7.0 parses them, before it tries to listen. */
function checkListenValue(name: string, key: string, v: string): void {
  if (key === 'bind') {
    if (v.split(' ').filter((w) => w.length > 0).length > 16) setFailed(name, 'Too many bind addresses specified.');
    return;
  }
  const n = toI64(v);
  if (n === null) setFailed(name, "argument couldn't be parsed into an integer");
  if ((n as bigint) < 0n || (n as bigint) > 65535n) setFailed(name, 'argument must be between 0 and 65535 inclusive');
}

/** Checks a value the way redis-server 7.0 does and returns the text CONFIG GET shows for it. */
function normalize(name: string, key: string, spec: ParamSpec, v: string): string {
  switch (spec.kind) {
    case 'immutable':
      return setFailed(name, "can't set immutable config");
    case 'protected':
      return setFailed(name, "can't set protected config");
    case 'string':
      return v;
    case 'bool': {
      const b = v.toLowerCase();
      if (b !== 'yes' && b !== 'no') setFailed(name, "argument must be 'yes' or 'no'");
      return b;
    }
    case 'enum': {
      if (name === 'shutdown-on-sigint' || name === 'shutdown-on-sigterm') return shutdownFlags(name, v, spec.values);
      const e = v.toLowerCase();
      if (!spec.values.includes(e)) setFailed(name, `argument(s) must be one of the following: ${spec.values.join(', ')}`);
      return e;
    }
    case 'int': {
      const n = toI64(v);
      if (n === null) return setFailed(name, "argument couldn't be parsed into an integer");
      if (n < BigInt(spec.min) || n > BigInt(spec.max)) setFailed(name, `argument must be between ${spec.min} and ${spec.max} inclusive`);
      return n.toString();
    }
    case 'mem': {
      const bits = memToU64(v);
      if (bits === null) return setFailed(name, 'argument must be a memory value');
      const n = spec.unsigned === true ? bits : BigInt.asIntN(64, bits);
      const max = spec.max ?? I64_MAX;
      if (n < BigInt(spec.min) || n > max) setFailed(name, `argument must be between ${spec.min} and ${max} inclusive`);
      return n.toString();
    }
    case 'special':
      return normalizeSpecial(name, key, v);
  }
}

function normalizeSpecial(name: string, key: string, v: string): string {
  const words = v.split(' ').filter((w) => w.length > 0);
  switch (key) {
    case 'port':
    case 'bind':
      // The node's listener belongs to whoever started it (the control plane), not to its clients.
      return setFailed(name, "can't set immutable config");
    case 'requirepass':
      return v;
    case 'notify-keyspace-events': {
      // Read as a C string: what follows a NUL is not looked at.
      const flags = asCString(v);
      if (!/^[Ag$lshzxeKEtmdn]*$/.test(flags)) setFailed(name, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return notifyFlagsText(parseNotifyFlags(flags) as NotifyFlags);
    }
    case 'save':
      if (words.length % 2 !== 0 || !words.every((w) => /^[0-9]+$/.test(w))) setFailed(name, 'Invalid save parameters');
      return words.join(' ');
    case 'oom-score-adj-values':
      if (words.length !== 3) setFailed(name, 'wrong number of arguments');
      if (!words.every((w) => toI64(w) !== null && Math.abs(Number(w)) <= 2000)) setFailed(name, 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      return words.join(' ');
    case 'latency-tracking-info-percentiles': {
      // sdssplitlen on single spaces: a leading, trailing or doubled space makes an empty word, refused.
      const nums = (v === '' ? [] : v.split(' ')).map((w) => (w === '' ? null : toFloat(w)));
      if (nums.some((n) => n === null)) setFailed(name, 'Invalid latency-tracking-info-percentiles parameters');
      if (nums.some((n) => (n as number) < 0 || (n as number) > 100)) setFailed(name, 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      // Redis keeps them as doubles and prints them with %f trimmed: "50.0" reads back as 50.
      return nums.map((n) => String(n)).join(' ');
    }
    case 'maxmemory-clients': {
      // A memory value first; a percentage is kept as its negative, so a memory value past 2^63
      // reads as one too (ssize_t), as in redis-server 7.0.
      const bits = memToU64(v);
      let n = bits === null ? null : BigInt.asIntN(64, bits);
      if (n === null && v.length > 1 && v.endsWith('%')) {
        const p = toI64(v.slice(0, -1));
        if (p !== null && p >= 0n) n = -p;
      }
      if (n === null) return setFailed(name, 'argument must be a memory or percent value');
      if (n < -100n) setFailed(name, 'percentage argument must be less or equal to 100');
      return n < 0n ? `${-n}%` : n.toString();
    }
    case 'client-output-buffer-limit': {
      if (words.length % 4 !== 0) setFailed(name, 'Wrong number of arguments in buffer limit configuration.');
      for (let i = 0; i < words.length; i += 4) {
        const cls = (words[i] as string).toLowerCase();
        if (!['normal', 'slave', 'replica', 'pubsub'].includes(cls)) setFailed(name, 'Invalid client class specified in buffer limit configuration.');
        const hard = parseMemory(words[i + 1] as string);
        const soft = parseMemory(words[i + 2] as string);
        if (hard === null || soft === null || toI64(words[i + 3] as string) === null) setFailed(name, 'Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      return v;
    }
    default:
      return v;
  }
}

/** Redis memory units: k=1000, kb=1024, m, mb, g, gb (case-insensitive); null if malformed. */
/** redis-server 7.0's memtoull: a C string (up to a NUL) of digits and a unit; the digits saturate and the product wraps at 2^64. */
export function memToU64(v: string): bigint | null {
  const s = asCString(v);
  if (s.startsWith('-')) return null;
  const digits = /^[0-9]*/.exec(s)?.[0] ?? '';
  const mul = MEMORY_UNITS[s.slice(digits.length).toLowerCase()];
  if (mul === undefined || digits.length >= 128) return null;
  const n = digits === '' ? 0n : BigInt(digits);
  return BigInt.asUintN(64, (n > U64_MAX ? U64_MAX : n) * mul);
}

const MEMORY_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n };

export function parseMemory(v: string): number | null {
  const m = /^(-?[0-9]+)(k|kb|m|mb|g|gb|b)?$/i.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 * 1024 * 1024 };
  return n * (mul[unit] as number);
}


/**
 * shutdown-on-sigint/-sigterm take several of their words ("nosave now"), as 7.0's multi-argument enum:
 * shown in the table's order, `default` when none; SAVE with NOSAVE is refused.
 */
function shutdownFlags(name: string, v: string, values: readonly string[]): string {
  const words = v.toLowerCase().split(' ').filter((w) => w !== '');
  if (words.length === 0 || words.some((w) => !values.includes(w))) setFailed(name, `argument(s) must be one of the following: ${values.join(', ')}`);
  if (words.includes('save') && words.includes('nosave')) setFailed(name, "shutdown options SAVE and NOSAVE can't be used simultaneously");
  const set = values.filter((x) => x !== 'default' && words.includes(x));
  return set.length === 0 ? 'default' : set.join(' ');
}
