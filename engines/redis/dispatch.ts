// Runs one parsed command for a client: lookup, the central checks Redis makes before executing
// (arity, auth, pub/sub context, OOM, MULTI queueing), the handler, and the bookkeeping after it.
import { checkPermission } from './acl/acl.ts';
import { evictClients } from './client-eviction.ts';
import { asCString } from './c-string.ts';
import type { Client } from './client.ts';
import { keySlot, type ClusterTopology } from './cluster.ts';
import { keyPositions, type CommandDef } from './command-table.ts';
import { sleepAfterExec } from './commands/debug-sleep.ts';
import { whenExecEnds } from './commands/transactions.ts';
import type { Engine } from './engine.ts';
import { E, RedisError } from './errors.ts';
import { MISCONF, writesDeniedByDiskError } from './dump-file.ts';
import { rememberOwnExpires } from './replica-expires.ts';
import { redactSecrets } from './redact.ts';
import { notifyCommand } from './notify.ts';
import type { ReplFeed } from './repl-feed.ts';
import { errnoEnter } from './num.ts';

// Top-level names, compared with a command's fullName: LATENCY RESET and SLOWLOG RESET are not RESET.
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/** 7.0's text: each name printed with %.*s, so it ends at a NUL and the 128 bytes count what was printed. */
export function unknownCommandError(args: readonly string[]): string {
  let tail = '';
  for (let i = 1; i < args.length && tail.length < 128; i++) tail += `'${asCString(args[i] as string).slice(0, 128 - tail.length)}' `;
  return `ERR unknown command '${asCString(args[0] as string).slice(0, 128)}', with args beginning with: ${tail}`;
}

/** Resolves the command (and subcommand) and checks arity; returns the def or an error text. */
export function resolve(e: Engine, args: readonly string[]): CommandDef | string {
  let def = e.lookup(args[0] as string);
  if (def === undefined) return unknownCommandError(args);
  if (def.subcommands !== undefined) {
    // Alone, a container runs its own handler when its arity allows (COMMAND), else it is an arity error.
    if (args.length < 2) return def.arity === -1 ? def : `ERR wrong number of arguments for '${def.fullName}' command`;
    const sub = def.subcommands.get((args[1] as string).toLowerCase());
    if (sub === undefined) return E.UNKNOWN_SUB((args[1] as string).slice(0, 128), args[0] as string);
    def = sub;
  }
  const n = args.length;
  if ((def.arity > 0 && n !== def.arity) || n < -def.arity) return `ERR wrong number of arguments for '${def.fullName}' command`;
  return def;
}

/** The command an arity error belongs to: Redis counts it among that command's rejected calls. */
export function arityRejected(e: Engine, args: readonly string[]): CommandDef | null {
  const def = e.lookup(args[0] as string);
  if (def?.subcommands === undefined || args.length < 2) return def ?? null;
  return def.subcommands.get((args[1] as string).toLowerCase()) ?? null;
}

const SHARDED_PUBSUB = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

function silentReplconf(args: readonly string[]): boolean {
  return args.length === 3 && (args[0] as string).toLowerCase() === 'replconf' && /^(ack|getack)$/i.test(args[1] as string);
}
const SCRIPT_CALLS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

/** In cluster mode: CROSSSLOT for keys in different slots, MOVED when another shard owns the slot. */
function clusterRedirect(e: Engine, c: Client, def: CommandDef, args: string[]): string | null {
  if (def.name === 'exec' && c.multi !== null) return execRedirect(e, c, c.multi);
  const positions = keyPositions(def, args);
  if (positions.length === 0) return null;
  const slot = keySlot(args[positions[0] as number] as string);
  for (let i = 1; i < positions.length; i++) {
    if (keySlot(args[positions[i] as number] as string) !== slot) return CROSSSLOT;
  }
  // A replica serves reads of its primary's slots to READONLY clients, and sharded pub/sub to anyone.
  return slotRedirect(e, slot, !def.isWrite && (c.clusterReadonly || SHARDED_PUBSUB.has(def.name)));
}

/**
 * EXEC goes where everything it queued goes, as 7.0's getNodeByQuery judges a transaction: the keys and
 * shard channels of all its commands in one slot (CROSSSLOT otherwise), served by a replica only to a
 * READONLY client when none of them writes (a queued SPUBLISH alone is redirected there).
 */
function execRedirect(e: Engine, c: Client, queued: string[][]): string | null {
  let slot = -1;
  let write = false;
  for (const args of queued) {
    const def = resolve(e, args);
    if (typeof def === 'string') continue;
    write ||= def.isWrite;
    for (const i of keyPositions(def, args)) {
      const s = keySlot(args[i] as string);
      if (slot === -1) slot = s;
      else if (s !== slot) return CROSSSLOT;
    }
  }
  return slot === -1 ? null : slotRedirect(e, slot, !write && c.clusterReadonly);
}

/** Null when this node serves `slot` (a replica of its owner only when `replicaMay`), else where to go. */
function slotRedirect(e: Engine, slot: number, replicaMay: boolean): string | null {
  const owner = (e.cluster as ClusterTopology).shardForSlot(slot);
  if (owner === undefined) return 'CLUSTERDOWN Hash slot not served';
  if (owner.primary.engine === e || (replicaMay && owner.replicas.some((r) => r.engine === e))) return null;
  return `MOVED ${slot} ${owner.primary.host}:${owner.primary.port}`;
}

/** Redis's rejectCommand: the refusal dooms a transaction being queued, and a refused EXEC discards it. */
export function reject(e: Engine, c: Client, msg: string, def: CommandDef | null, args: string[]): void {
  if (def?.name === 'exec') {
    // A refused EXEC ends the transaction it would have run, as redis-server's execCommandAbort does (in MULTI or not).
    c.multi = null;
    c.multiError = false;
    e.unwatchAll(c);
    msg = `EXECABORT Transaction discarded because of: ${msg.startsWith('ERR ') ? msg.slice(4) : msg}`;
  }
  c.w.error(msg);
  e.tracking.refused(c, def);
  // execCommandAbort shows the refused EXEC to monitors, which see no other refused command (seed 70002).
  if (def?.name === 'exec' && e.monitors.size !== 0) e.feedMonitors(c, args);
  if (c.multi !== null) c.multiError = true;
  e.countError(msg);
  if (def !== null) e.commandStats(def).rejected++;
}

interface Traits {
  readonly write: boolean;
  readonly denyOom: boolean;
  readonly stale: boolean;
}

/** A command's own traits by its id, made once (callers only read them). */
const ownTraits: Traits[] = [];

const SCRIPT_RUNS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * A command's write/deny-oom/stale flags as processCommand sees them (getCommandFlags): a script
 * or function that declares flags takes them from those, so one without no-writes is a write even
 * through FCALL_RO or EVAL_RO (refused before it runs, and never shown to monitors).
 */
function commandTraits(e: Engine, def: CommandDef, args: readonly string[]): Traits {
  const own = (ownTraits[def.id] ??= { write: def.isWrite, denyOom: def.denyOom, stale: def.flags.includes('stale') });
  if (!SCRIPT_RUNS.has(def.name)) return own;
  const f = e.scripting.declaredFlags(def.name, args);
  if (f === null) return own;
  return { write: !f.noWrites, denyOom: !f.noWrites && !f.allowOom, stale: f.allowStale };
}

/** What EXEC would run, judged as Redis does from the flags of the commands it queued. */
function queuedTraits(e: Engine, queued: string[][]): Traits {
  let write = false;
  let denyOom = false;
  let stale = true;
  for (const args of queued) {
    const def = resolve(e, args);
    if (typeof def === 'string') continue;
    const t = commandTraits(e, def, args);
    write ||= t.write;
    denyOom ||= t.denyOom;
    stale &&= t.stale;
  }
  return { write, denyOom, stale };
}

/** A replica refuses its clients' writes unless replica-read-only is no (then they change its data alone, as 7.0's). */
export function readOnlyReplica(e: Engine): boolean {
  return e.replication.primary !== null && e.config.get('replica-read-only') !== 'no';
}

/** min-replicas-to-write: a primary refuses writes unless enough replicas acknowledged within min-replicas-max-lag seconds. */
export function enoughGoodReplicas(e: Engine): boolean {
  const wanted = e.config.minReplicasToWrite;
  if (wanted === 0 || e.config.minReplicasMaxLag === 0 || e.replication.primary !== null) return true;
  return goodReplicas(e) >= wanted;
}

/** Replicas that acknowledged within min-replicas-max-lag seconds (INFO's min_slaves_good_slaves). */
export function goodReplicas(e: Engine): number {
  const maxLag = e.config.minReplicasMaxLag;
  let good = 0;
  for (const [, ack] of e.replication.acks()) if (ack.lag <= maxLag) good++;
  return good + (e.feed?.good(maxLag) ?? 0);
}

// Inside MULTI Redis refuses any other command under OOM: queueing takes memory too.
const OOM_EXEMPT_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);

export function execute(e: Engine, c: Client, args: string[]): void {
  const mode = c.replyMode;
  if (mode === 'on') return void admit(e, c, args);
  const mark = c.w.mark;
  // A command that did not run (refused, or queued in MULTI) is silenced as its reply would have been.
  if (admit(e, c, args)) return;
  c.w.rewind(mark);
  if (mode === 'skip') c.replyMode = 'on';
}

let probing = false;
let probePassed = false;

/**
 * A command CLIENT PAUSE would hold: runs processCommand's checks only. True when they refused it (the
 * refusal was answered, the command is done); false when it passes them and must wait for the pause.
 */
export function refusedDespitePause(e: Engine, c: Client, args: string[]): boolean {
  probing = true;
  probePassed = false;
  try {
    execute(e, c, args);
  } finally {
    probing = false;
  }
  return !probePassed;
}

/** Redis's processCommand checks, then queues the command or runs it; true when it ran (call did its own CLIENT REPLY handling). */
function admit(e: Engine, c: Client, args: string[]): boolean {
  // A SYNC client whose command would be answered loses its link, as redis-server 7.0 disconnects a
  // replica that generated a reply; only its REPLCONF ACK/GETACK go unanswered.
  if (e.feed !== null && e.feed.has(c) && !silentReplconf(args)) {
    e.closeClient(c, true);
    return false;
  }
  const r = resolve(e, args);
  if (typeof r === 'string') {
    const rejected = r.startsWith('ERR wrong number') ? arityRejected(e, args) : null;
    // Redis records the command as soon as it is looked up: CLIENT INFO names itself, an unknown one is NULL.
    c.lastCommand = rejected?.fullName ?? 'NULL';
    reject(e, c, r, rejected, args);
    return false;
  }
  const def = r;
  c.lastCommand = def.fullName;
  if (def.protectedReply !== null) {
    reject(e, c, def.protectedReply, def, args);
    return false;
  }
  if (!c.authenticated && !def.noAuth) {
    reject(e, c, E.NOAUTH, def, args);
    return false;
  }
  const denied = checkPermission(e, c, def, args);
  if (denied !== null) {
    reject(e, c, denied, def, args);
    return false;
  }
  if (e.cluster !== null) {
    const redirect = clusterRedirect(e, c, def, args);
    if (redirect !== null && def.name === 'exec' && c.multi !== null) {
      // A redirected EXEC discards its transaction and answers with the redirection itself, not EXECABORT.
      c.multi = null;
      c.multiError = false;
      e.unwatchAll(c);
      c.w.error(redirect);
      e.countError(redirect);
      e.commandStats(def).rejected++;
      return false;
    }
    if (redirect !== null) {
      reject(e, c, redirect, def, args);
      return false;
    }
  }
  // maxmemory-clients, checked before key eviction as redis-server does; an evicted client's command does not run.
  if (evictClients(e, c)) return false;
  const traits = def.name === 'exec' && c.multi !== null ? queuedTraits(e, c.multi) : null;
  const own = commandTraits(e, def, args);
  const isWrite = own.write || traits?.write === true;
  // Replicas ignore maxmemory (replica-ignore-maxmemory yes) and refuse writes from clients. Like
  // Redis, a primary evicts before every command (not while a script holds the dataset), and
  // refuses under OOM those that would use memory.
  const replica = e.replication.primary !== null;
  if (!replica && e.config.maxmemory > 0 && e.scripting.running === null && !e.freeMemory()) {
    if (own.denyOom || traits?.denyOom === true || (c.multi !== null && !OOM_EXEMPT_IN_MULTI.has(def.fullName))) {
      reject(e, c, E.OOM, def, args);
      return false;
    }
  }
  // A failed BGSAVE under save points stops writes (and PING, as 7.0 checks it too) until a save succeeds.
  if ((isWrite || def.name === 'ping') && !c.isPrimary && writesDeniedByDiskError(e)) {
    reject(e, c, MISCONF, def, args);
    return false;
  }
  if (isWrite && !enoughGoodReplicas(e)) {
    reject(e, c, 'NOREPLICAS Not enough good replicas to write.', def, args);
    return false;
  }
  if (replica && isWrite && readOnlyReplica(e)) {
    reject(e, c, "READONLY You can't write against a read only replica.", def, args);
    return false;
  }
  // After the OOM, NOREPLICAS and READONLY refusals, as in processCommand (seed 90781).
  if (c.w.proto === 2 && c.inPubSubContext && !PUBSUB_ALLOWED.has(def.fullName)) {
    reject(e, c, `ERR Can't execute '${def.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`, def, args);
    return false;
  }
  // A replica whose link is down serves only 'stale' commands under replica-serve-stale-data no (an
  // EXEC only when all it queued are).
  if (replica && !e.replication.linkUp && !(own.stale && traits?.stale !== false) && e.config.get('replica-serve-stale-data') === 'no') {
    reject(e, c, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", def, args);
    return false;
  }
  // A server loading its dump at start answers only commands flagged `loading` (an EXEC only if all it queued are).
  if (e.loading !== null && !(def.flags.includes('loading') && (c.multi === null || def.name !== 'exec' || c.multi.every((q) => e.lookup(q[0] as string)?.flags.includes('loading') === true)))) {
    reject(e, c, 'LOADING Redis is loading the dataset in memory', def, args);
    return false;
  }
  const busy = e.scripting.running === null ? null : e.scripting.busyReply(c);
  if (busy !== null && !def.flags.includes('allow_busy')) {
    reject(e, c, busy, def, args);
    return false;
  }
  // redis-server 7.0 counts a MONITOR client among its replicas: it may not touch the keyspace.
  if (c.monitoring && (isWrite || def.mayReplicate || def.flags.includes('readonly'))) {
    reject(e, c, "ERR Replica can't interact with the keyspace", def, args);
    return false;
  }
  // Every refusal is behind: a command CLIENT PAUSE holds waits from here, as processCommand pauses last.
  if (probing) {
    probePassed = true;
    return false;
  }
  if (c.multi !== null && !MULTI_CONTROL.has(def.fullName)) {
    if (def.noMulti) {
      reject(e, c, 'ERR Command not allowed inside a transaction', def, args);
      return false;
    }
    // As redis-server's queueMultiCommand: a transaction already doomed (a watched key changed, or a
    // command refused) stops storing what it queues, which CLIENT LIST's multi= count shows.
    if (!c.dirtyCas && !c.multiError) c.multi.push(args);
    c.w.queued();
    return false;
  }
  call(e, c, def, args);
  return true;
}

/** Adds one run of `def` that took `usec` to INFO commandstats and (unless `latency` is false) latencystats. */
export function recordCommandTime(e: Engine, def: CommandDef, usec: number, latency = true): void {
  const st = e.commandStats(def);
  st.usec += usec;
  if (latency) recordLatency(e, def, usec);
}

/** One run of `def` in LATENCY HISTOGRAM and INFO latencystats. */
export function recordLatency(e: Engine, def: CommandDef, usec: number): void {
  if (!e.config.latencyTracking) return;
  const st = e.commandStats(def);
  const bucket = usec <= 1 ? 0 : 32 - Math.clz32(Math.ceil(usec) - 1);
  st.histogram[bucket] = (st.histogram[bucket] ?? 0) + 1;
}

/**
 * A blocking command that blocked enters the latency histogram only once it is served (or CLIENT
 * UNBLOCK ends it), as 7.0's updateStatsOnUnblock; one that times out never does.
 */
function latencyWhenServed(e: Engine, b: NonNullable<Client['blocked']>, def: CommandDef, usec: number): void {
  const { tryServe } = b;
  b.tryServe = (key) => {
    const served = tryServe(key);
    if (served) recordLatency(e, def, usec);
    return served;
  };
}

/**
 * Fast commands (the 'fast' flag: O(1) or O(log N)) with few arguments, followed by more of their
 * client's pipeline, share one clock reading: their time is the span from the last reading to the
 * next, split evenly among them (and the command whose reading it is). A reading costs ~45 ns here,
 * 10% of a pipelined INCR's CPU; redis-server reads a cheap TSC-based clock instead.
 */
const SHARED_MAX_ARGS = 4;

/** Records the commands waiting for a reading, `t1`, with `plus` commands more sharing it; answers each one's share in usec. */
export function settleUntimed(e: Engine, t1: number, plus: number): number {
  const u = e.untimed;
  const usec = ((t1 - e.cmdClock) * 1000) / (u.count + plus);
  for (let i = 0; i < u.count; i++) {
    const def = u.defs[i] as CommandDef;
    recordCommandTime(e, def, usec);
    e.slowlogAdd(u.clients[i] as Client, def, u.args[i] as string[], usec);
  }
  u.clear();
  e.cmdClock = t1;
  return usec;
}

/** Runs the handler with stats, slowlog and CLIENT REPLY handling; errors become replies here. */
export function call(e: Engine, c: Client, def: CommandDef, args: string[]): void {
  // Like Redis, admin commands are not shown to monitors, and passwords show redacted. redis-server 7.0
  // shows a command once it ran, with the db its client is in after it (SELECT 2 shows db 2, RESET db
  // 0), so EXEC comes after the commands it ran; a script shows before the commands it calls.
  const monitored = e.monitors.size !== 0 && !def.flags.includes('admin') ? redactSecrets(def.fullName, args, (u, p) => e.acl.accepts(u, p)) : null;
  if (monitored !== null && SCRIPT_CALLS.has(def.name)) e.feedMonitors(c, monitored);
  const mark = c.w.mark;
  const mode = c.replyMode;
  // One clock read per command: each command's time runs from the end of the previous one, except
  // where fast commands of one pipeline share a reading (see untimed below).
  const share = e.shareClock && def.isFast && args.length <= SHARED_MAX_ARGS;
  e.shareClock = false;
  if (!share && e.untimed.count !== 0) settleUntimed(e, performance.now(), 0);
  const t0 = e.cmdClock;
  const dirtyBefore = e.ks.stats.dirty;
  const ownBefore = dirtyBefore - e.ks.serverDirty;
  if (e.emptied.length !== 0) e.emptied = [];
  let failed = false;
  const outer = e.currentClient;
  e.currentClient = c;
  const dbIndex = c.dbIndex;
  const shipped = def.isWrite && e.replication.hasReplicas && e.replication.beforeWrite(def, args, dbIndex);
  const feed = e.feed;
  const entered = feed !== null ? feed.enter(c, def, args) : null;
  errnoEnter(e);
  // Only events give the held invalidations a place to be seen out of order.
  const holding = e.notifyFlags !== null && e.tracking.holdFor(def.name);
  c.runningDef = def;
  try {
    def.handler(c, args);
  } catch (err) {
    failed = true;
    c.w.rewind(mark);
    const msg = err instanceof RedisError ? err.reply : `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
    c.w.error(msg);
    e.countError(msg);
  }
  if (monitored !== null && !SCRIPT_CALLS.has(def.name)) {
    // An EXEC that paused for a script of it is shown once its last command ran, as any EXEC.
    if (def.name === 'exec' && e.scripting.pausedFor(c)) whenExecEnds(c, () => e.feedMonitors(c, monitored));
    else e.feedMonitors(c, monitored);
  }
  if (shipped) e.replication.afterWrite(def, args, dbIndex, e.ks.stats.dirty !== dirtyBefore);
  if (entered !== null) (feed as ReplFeed).leave(entered, c, def, args, failed);
  // Any command that changed data (a write, a script, an expiry it met) moves the client's write offset.
  if (e.ks.stats.dirty !== dirtyBefore && e.replication.hasReplicas) c.woff = e.replication.writeOffset;
  // A write announces its events when it changed something itself: an expired key its lookup
  // deleted was announced as expired, and a write that then did nothing announces no more (Redis's
  // commands notify only where they modify).
  if (!failed && def.isWrite && e.ks.stats.dirty - e.ks.serverDirty !== ownBefore && e.notifying) {
    const emptied = e.emptied;
    e.emptied = [];
    notifyCommand(e, c, def, args, emptied);
  }
  // A writable replica's own client gave keys a TTL: the replica must expire them itself.
  if (!failed && def.isWrite && e.replication.primary !== null && !c.isPrimary && e.ks.stats.dirty !== dirtyBefore) rememberOwnExpires(e, def, args, dbIndex);
  if (holding) e.tracking.releaseHeld();
  // As redis-server's call(): a read-only command that failed still had its keys remembered.
  if (c.tracking !== null) e.tracking.afterCommand(c, def, args);
  if (share && c.blocked === null && !c.timeDeferred && e.config.latencyMonitorThreshold === 0) {
    // Timed with the commands after it (settleUntimed); counted now, as INFO may be read before then.
    const st = e.commandStats(def);
    st.calls++;
    if (failed) st.failed++;
    e.totalCommands++;
    e.untimed.add(c, def, args);
    finish(e, c, outer, mark, mode);
    return;
  }
  const t1 = performance.now();
  let usec = e.untimed.count !== 0 ? settleUntimed(e, t1, 1) : (t1 - t0) * 1000;
  e.cmdClock = t1;
  if (e.sleptInExec !== 0) {
    usec += e.sleptInExec * 1000;
    e.sleptInExec = 0;
  }
  const st = e.commandStats(def);
  st.calls++;
  // A DEBUG SLEEP counts its time when it wakes (debug-sleep.ts), as redis-server's one long command.
  if (c.timeDeferred) c.timeDeferred = false;
  // A WAIT that blocked enters the histogram only through CLIENT UNBLOCK, as 7.0.15 (seed 76372).
  else if (c.blocked === null || (!def.flags.includes('blocking') && def.name !== 'wait')) recordCommandTime(e, def, usec);
  else {
    recordCommandTime(e, def, usec, false);
    latencyWhenServed(e, c.blocked, def, usec);
  }
  if (failed) st.failed++;
  e.totalCommands++;
  // As redis-server's call(): a command that blocked is logged once it ends (Engine.unblock), EXEC never.
  const b = c.blocked;
  if (b !== null) b.slow ??= { def, args, started: t0, usec };
  else e.slowlogAdd(c, def, args, usec);
  if (e.config.latencyMonitorThreshold > 0) e.latency.addIfNeeded(def.isFast ? 'fast-command' : 'command', usec / 1000, e.config.latencyMonitorThreshold, e.clock.now());
  finish(e, c, outer, mark, mode);
}

/**
 * A command that blocked under CLIENT REPLY OFF or SKIP answers later (served, timed out, unblocked):
 * redis-server keeps the flag until then, so that reply is dropped too (BLPOP k 0.01 after CLIENT
 * REPLY SKIP sends nothing when it times out).
 */
function silenceBlocked(c: Client, b: NonNullable<Client['blocked']>): void {
  const { tryServe, onTimeout } = b;
  b.tryServe = (key) => {
    const at = c.w.mark;
    const served = tryServe(key);
    if (served) c.w.rewind(at);
    return served;
  };
  b.onTimeout = () => {
    const at = c.w.mark;
    onTimeout();
    c.w.rewind(at);
  };
}

/** What call() does after a command's statistics: CLIENT REPLY, the caller's client back, blocked clients served. */
function finish(e: Engine, c: Client, outer: Client | null, mark: number, mode: Client['replyMode']): void {
  if (mode !== 'on' && c.blocked !== null) silenceBlocked(c, c.blocked);
  if (mode === 'off' && c.replyMode === 'off') c.w.rewind(mark);
  else if (mode === 'skip' && c.replyMode !== 'on') {
    // CLIENT REPLY ON, run while skipping, answers: Redis clears the skip before it replies.
    c.w.rewind(mark);
    if (c.replyMode === 'skip') c.replyMode = 'on';
  }
  e.currentClient = outer;
  if (outer !== c) e.tracking.afterReply(c);
  // A DEBUG SLEEP inside EXEC holds the node after the transaction: its waiters are served when it ends.
  if (e.ks.ready.size !== 0 && e.execDepth === 0 && !sleepAfterExec(e)) e.serveBlocked();
}
