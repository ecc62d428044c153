// Per-engine scripting: the Lua VM (created on first use), the EVAL script cache, and the one
// script that may be running. A script runs as a coroutine whose count hook yields every few
// milliseconds, so the other nodes on this event loop keep answering; while it is suspended this
// node runs no other client's command (they wait in their queues, and get -BUSY once
// busy-reply-threshold has passed).
import { createHash } from 'node:crypto';
import { Client, discardingConn } from '../client.ts';
import { keySlot } from '../cluster.ts';
import { keyPositions, type CommandDef } from '../command-table.ts';
import { arityRejected, enoughGoodReplicas, call as runCommand, readOnlyReplica, resolve } from '../dispatch.ts';
import type { Engine } from '../engine.ts';
import { E, fail } from '../errors.ts';
import { MISCONF, writesDeniedByDiskError } from '../dump-file.ts';
import { releaseHeldPushes } from '../push.ts';
import { pauseReplicas } from '../sliced.ts';
import { beginSlicedWrite } from '../snapshot-fence.ts';
import { formatDouble } from '../resp/writer.ts';
import { formatOne } from './numfmt.ts';
import { installApi, raise, type ApiHost } from './api.ts';
import { parseShebang, type ScriptFlags } from './flags.ts';
import { ScriptLog } from './script-log.ts';
import { setSliceHost, type SliceHost } from './lib-slices.ts';
import { Functions } from './functions.ts';
import { laux, latin1ToLua, lstr, lua, luaToLatin1, pushStringArray, refillStringArray, refillTable, stringArgument, topObject, type LuaDebug, type LuaState } from './lua.ts';
import { Lrand48, SCRIPT_THREAD } from './lib51.ts';
import { LuaReplyWalk, type ErrorSink } from './lua-to-reply.ts';
import { overOutputLimit } from '../output-limit.ts';
import { intAt, LuaReplyReader, pushErrorTable, pushStatusTable } from './reply-to-lua.ts';
import { createState, inOurCode, inRunner, loadText51, pushRunner, setEnvToProxy } from './vm.ts';

/** How long a script runs before yielding to the event loop, and how often the hook looks at the clock. */
const SLICE_MS = 4;
const HOOK_COUNT = 2000;

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
/** EVAL bodies whose digest load keeps (all forgotten at once past it: a client making new bodies each time). */
const SHA_CACHE_BODIES = 256;
const SHA_CACHE_BODY_BYTES = 64 * 1024;
/** Arguments of a redis.call past which the script may yield right after it. */
const MANY_ARGS = 256;
const oneResult = (): number => 1;
const KILLED = 'ERR Script killed by user with SCRIPT KILL...';
const UNKILLABLE = 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

export interface RunRequest {
  caller: Client;
  /** The command that started the run (FUNCTION STATS shows it). */
  command: string[];
  /** Registry reference of the compiled function (an integer key: no string hashing per call). */
  fnRef: number;
  /** The sha (EVAL) or function name, shown in error messages. */
  name: string;
  flags: ScriptFlags;
  /** EVAL_RO / EVALSHA_RO / FCALL_RO. */
  readOnlyCommand: boolean;
  evalMode: boolean;
  keys: string[];
  args: string[];
  /** FCALL passes KEYS and ARGV as arguments instead of globals. */
  asArguments: boolean;
}

export class Run {
  wrote = false;
  /** SCRIPT KILL / FUNCTION KILL asked; `killRaised` once its error was raised, `forced` when the engine stops. */
  killed = false;
  killRaised = false;
  forced = false;
  /** Errors in the reply: counted before (a command's own) and counted now (scripting.ts errorSink). */
  errorsFlagged = 0;
  errorsFresh = 0;
  busy = false;
  suspended = false;
  /** The script has ended and its value is being written in slices. */
  replying = false;
  hookYield = false;
  resp: 2 | 3 = 2;
  sliceStart = 0;
  /** When it started: its first slice's start too (one clock reading for both). */
  readonly startedAt: number;
  /** Slot of the keys the script touched so far (cluster mode), -1 before the first. */
  slot = -1;
  oom = false;
  readonly readOnly: boolean;
  /** Ends the script's part in the snapshot fence: a script that may write and outlives its slice is a write in slices. */
  endWrite: (() => void) | null = null;
  /** Lets the clients of this node's replicas go again (held while a script that may write is suspended). */
  releaseReplicas: (() => void) | null = null;
  /**
   * The engine's execDepth at which the script may yield: 1 for EVAL, 2 inside an EXEC that can pause
   * (runPausable), 0 (never) inside a script or a transaction that cannot.
   */
  yieldDepth = 0;
  /** What an EXEC that paused for this script runs once it ended, before any other client (see runPausable). */
  then: (() => void) | null = null;

  constructor(
    readonly req: RunRequest,
    readonly co: LuaState,
  ) {
    this.readOnly = req.readOnlyCommand || req.flags.noWrites;
    this.startedAt = this.sliceStart = performance.now();
  }
}

const nullConn = discardingConn('lua', 'lua');

/** A command's work left for redis.call to run in steps (see Scripting.takeSteps). */
interface CommandSteps {
  work: Iterator<unknown>;
  finish(err: unknown): void;
}

/** What redis.call answers when the caller's ACL user may not run a command, by the reason. */
const SCRIPT_ACL_DENIED = {
  command: "ERR The user executing the script can't run this command or subcommand",
  key: "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
  channel: "ERR The user executing the script can't publish to the channel mentioned in the command",
} as const;

export class Scripting implements ApiHost {
  private state: LuaState | null = null;
  private thread: LuaState | null = null;
  /** sha -> flags and registry reference of the scripts compiled in this VM (SCRIPT LOAD, EVAL). */
  readonly scripts = new Map<string, { flags: ScriptFlags; ref: number; size: number }>();
  /** Registry reference of the runner of EVAL scripts (vm.ts pushRunner); functions have their own VM and runner. */
  private evalRunnerRef = 0;
  /** The names KEYS and ARGV as Lua strings kept in the registry: their hashes are computed once, not per EVAL. */
  private keysNameRef = 0;
  private argvNameRef = 0;
  /** The tables the globals KEYS and ARGV of this VM hold (set by setArrayGlobal), or null before the first EVAL. */
  private lastKeys: unknown = null;
  private lastArgv: unknown = null;
  running: Run | null = null;
  /** The client whose EXEC runs its commands now and can pause for a script of them (see runPausable). */
  private pausableExec: Client | null = null;
  /** The last digest bySha was asked for, and what it found (cleared with the cache). */
  private lastShaAsked = '';
  private lastShaFound: { flags: ScriptFlags; ref: number; size: number } | undefined = undefined;
  /** Recent EVAL bodies' SHA-1 (see load). */
  private readonly shaOfBody = new Map<string, string>();
  private scriptClient: Client | null = null;
  /** Set while redis.call runs a command that may leave its work in steps (takeSteps), and that work. */
  private stepsAllowed = false;
  private steps: CommandSteps | null = null;
  readonly functions: Functions;
  /** What redis.log wrote, filtered by loglevel (nodes have no log file to write it to). */
  readonly scriptLog = new ScriptLog();
  /** math.random's generator: one per server, as redis-server's (the EVAL and functions VMs share it). */
  readonly rand = new Lrand48();

  constructor(readonly engine: Engine) {
    this.functions = new Functions(this);
  }

  get version(): string {
    return this.engine.version;
  }

  get L(): LuaState {
    if (this.state === null) {
      this.state = createState((L) => installApi(L, this), this.rand);
      pushRunner(this.state, false);
      this.evalRunnerRef = laux.luaL_ref(this.state, lua.LUA_REGISTRYINDEX);
      lua.lua_pushliteral(this.state, 'KEYS');
      this.keysNameRef = laux.luaL_ref(this.state, lua.LUA_REGISTRYINDEX);
      lua.lua_pushliteral(this.state, 'ARGV');
      this.argvNameRef = laux.luaL_ref(this.state, lua.LUA_REGISTRYINDEX);
    }
    return this.state;
  }

  /** SCRIPT FLUSH: a fresh EVAL VM, as Redis does; the functions' VM is not EVAL's and stays as it is. */
  reset(): void {
    this.state = null;
    this.thread = null;
    this.lastKeys = null;
    this.lastArgv = null;
    this.scripts.clear();
    this.lastShaFound = undefined;
  }

  get client(): Client {
    if (this.scriptClient === null) {
      this.scriptClient = new Client(this.engine, 0, nullConn);
      this.scriptClient.authenticated = true;
    }
    return this.scriptClient;
  }

  isScriptClient(c: Client): boolean {
    return c === this.scriptClient;
  }

  static sha1(body: string): string {
    return createHash('sha1').update(body, 'latin1').digest('hex');
  }

  /** A body's SHA-1: a client that sends EVAL every time (a pipeline of ioredis's scripts) sends the same few bodies, looked up rather than hashed again (several KB per call). */
  private shaOf(body: string): string {
    let sha = this.shaOfBody.get(body);
    if (sha === undefined) {
      sha = Scripting.sha1(body);
      if (this.shaOfBody.size >= SHA_CACHE_BODIES) this.shaOfBody.clear();
      if (body.length <= SHA_CACHE_BODY_BYTES) this.shaOfBody.set(body, sha);
    }
    return sha;
  }

  /**
   * The flags an EVAL*, EVALSHA* or FCALL* names before it runs, as redis-server's
   * evalGetCommandFlags/fcallGetCommandFlags find them for processCommand (so a script that may
   * write is refused there, like a write command, under min-replicas-to-write, OOM or on a replica):
   * the cached script's, an uncached EVAL body's shebang, the function's; null when none are declared
   * (no shebang, an unknown sha or function, a shebang that does not parse).
   */
  declaredFlags(name: string, args: readonly string[]): ScriptFlags | null {
    const target = args[1] ?? '';
    if (name === 'fcall' || name === 'fcall_ro') return this.functions.find(target)?.flags ?? null;
    const evalsha = name === 'evalsha' || name === 'evalsha_ro';
    if (evalsha && target.length !== 40) return null;
    const known = evalsha ? this.bySha(target) : this.scripts.get(this.shaOf(target));
    if (known !== undefined) return known.flags.compat ? null : known.flags;
    if (evalsha) return null;
    try {
      const { flags } = parseShebang(target);
      return flags.compat ? null : flags;
    } catch {
      return null;
    }
  }

  /**
   * The cached script of a digest in any case. Dispatch asks for an EVALSHA's flags, then the command for its
   * script, with the same argument: the second finds it without lower-casing and hashing the digest again.
   */
  bySha(target: string): { flags: ScriptFlags; ref: number; size: number } | undefined {
    if (target === this.lastShaAsked && this.lastShaFound !== undefined) return this.lastShaFound;
    const found = this.scripts.get(target.toLowerCase());
    this.lastShaAsked = target;
    this.lastShaFound = found;
    return found;
  }

  /** Compiles an EVAL body into the cache (if new) and returns its sha and flags. */
  load(body: string): { sha: string; flags: ScriptFlags; ref: number } {
    const sha = this.shaOf(body);
    const known = this.scripts.get(sha);
    if (known !== undefined) return { sha, ...known };
    const { flags, body: code } = parseShebang(body);
    const L = this.L;
    const bytes = latin1ToLua(code);
    if (loadText51(L, bytes, lstr('@user_script')) !== lua.LUA_OK) {
      const msg = luaToLatin1(lua.lua_tolstring(L, -1) ?? lstr(''));
      lua.lua_pop(L, 1);
      fail(`ERR Error compiling script (new function): ${msg}`);
    }
    setEnvToProxy(L);
    const ref = laux.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.scripts.set(sha, { flags, ref, size: body.length });
    return { sha, flags, ref };
  }

  /** Checks Redis makes before a script starts (shebang scripts); throws the error reply. */
  preflight(req: RunRequest): void {
    const e = this.engine;
    const f = req.flags;
    // Every script, one without a shebang too (which EVAL's stale flag let through processCommand, in
    // EXEC as well), is refused on a replica whose link is down unless it declares allow-stale.
    if (!f.allowStale && e.replication.primary !== null && !e.replication.linkUp && e.config.get('replica-serve-stale-data') === 'no') {
      fail("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    }
    if (f.compat) return;
    if (f.noCluster && e.cluster !== null) fail("ERR Can not run script on cluster, 'no-cluster' flag is set.");
    if (!f.allowOom && !f.noWrites && e.config.maxmemory > 0 && e.replication.primary === null && !e.freeMemory()) fail(E.OOM);
    if (!f.noWrites) {
      if (!enoughGoodReplicas(e)) fail(NOREPLICAS);
      if (readOnlyReplica(e)) fail("READONLY You can't write against a read only replica.");
      if (writesDeniedByDiskError(e)) fail("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
      if (req.readOnlyCommand) fail('ERR Can not execute a script with write flag using *_ro command.');
    }
  }

  private newThread(): LuaState {
    const L = this.L;
    const co = lua.lua_newthread(L);
    // Anchored in the registry so the collector keeps it while we hold it.
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, SCRIPT_THREAD);
    return co;
  }

  /** Starts a script; it replies to the caller now or, when it runs long, once it finishes. */
  run(req: RunRequest): void {
    this.preflight(req);
    const e = this.engine;
    const fns = this.functions;
    const co = req.asArguments ? fns.runThread() : (this.thread ??= this.newThread());
    lua.lua_settop(co, 0);
    const r = new Run(req, co);
    if (e.cluster !== null && req.keys.length > 0) r.slot = keySlot(req.keys[0] as string);
    r.oom = e.config.maxmemory > 0 && e.replication.primary === null && !e.freeMemory();
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, req.asArguments ? fns.runner : this.evalRunnerRef);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, req.fnRef);
    let nargs = 1;
    if (req.asArguments) {
      // FCALL: the runner passes KEYS and ARGV to the function as its two arguments.
      pushStringArray(co, req.keys);
      pushStringArray(co, req.args);
      nargs = 3;
    } else {
      // In the real globals behind the read-only proxy. The last call's tables are filled again when the script
      // left them as they were made: a script cannot keep a reference past its call (its globals are read-only,
      // its chunk has no upvalue but them), so only a change would tell the old table from a new one.
      // Only this code sets the two globals (a script cannot), so the tables set last are still theirs: refilled
      // where they are, without finding them through the globals each call.
      const keys = this.lastKeys;
      const argv = this.lastArgv;
      if (keys === null || argv === null || !refillTable(co, keys, req.keys) || !refillTable(co, argv, req.args)) {
        lua.lua_pushglobaltable(co);
        this.lastKeys = setArrayGlobal(co, this.keysNameRef, req.keys);
        this.lastArgv = setArrayGlobal(co, this.argvNameRef, req.args);
        lua.lua_pop(co, 1);
      }
    }
    const client = this.client;
    client.dbIndex = req.caller.dbIndex;
    client.w.proto = 2;
    this.running = r;
    e.ks.scriptTime = e.clock.now();
    e.execDepth++;
    // Inside an EXEC the script may yield only when the EXEC can wait for it (runPausable); else it
    // must finish within the transaction, without yielding.
    r.yieldDepth = e.execDepth === 1 ? 1 : e.execDepth === 2 && req.caller === this.pausableExec ? 2 : 0;
    lua.lua_sethook(co, this.hookFn, lua.LUA_MASKCOUNT, HOOK_COUNT);
    this.resume(r, nargs, e.execDepth === r.yieldDepth);
  }

  /** The running script's count (and, once killed, line) hook: one function for every run, no closure per call. */
  private readonly hookFn = (L: LuaState, ar: LuaDebug): void => {
    const r = this.running;
    if (r !== null) this.hook(L, r, ar);
  };

  private hook(L: LuaState, r: Run, ar: LuaDebug): void {
    if (r.killed) this.killHook(L, r, ar);
    if (ar.event === lua.LUA_HOOKLINE) return;
    if (r.suspended || performance.now() - r.sliceStart >= SLICE_MS) {
      if (lua.lua_isyieldable(L) && this.engine.execDepth === r.yieldDepth) {
        r.hookYield = true;
        lua.lua_yield(L, 0);
      }
    }
  }

  /**
   * A killed script as redis-server 7.0's luaMaskCountHook leaves it: the error is raised where the
   * script is, and from then on at every new line, function entry and backward jump (a line hook). A
   * pcall may catch it and the script goes on: it ends normally if it reaches its return without
   * another such event (the rest of the same line), and redis.call still works. Our own Lua wrappers
   * (the runner, pcall's) are C in 5.1: no event there. When the engine stops, it raises at every
   * instruction so that no pcall keeps the script alive.
   */
  private killHook(L: LuaState, r: Run, ar: LuaDebug): void {
    if (r.forced) {
      lua.lua_sethook(L, this.hookFn, lua.LUA_MASKCOUNT, 1);
      // Not in our runner once the error reached it: that would replace the error reply.
      if (inRunner(L)) return;
    } else if (!r.killRaised) {
      r.killRaised = true;
      lua.lua_sethook(L, this.hookFn, lua.LUA_MASKCOUNT | lua.LUA_MASKLINE, HOOK_COUNT);
      if (inOurCode(L)) return;
    } else if (ar.event !== lua.LUA_HOOKLINE || r.hookYield || inOurCode(L)) return;
    // Redis 7.0 names SCRIPT KILL even when FUNCTION KILL stopped a function.
    raise(L, KILLED);
  }

  private step(r: Run): void {
    r.sliceStart = performance.now();
    this.resume(r, 0, true);
  }

  /** Where the library calls that run in steps ask for the slice's end and whether they may yield. */
  private readonly sliceHost: SliceHost = {
    deadline: () => (this.running?.sliceStart ?? 0) + SLICE_MS,
    tryYield: (L) => {
      const r = this.running;
      if (r === null || L !== r.co || !lua.lua_isyieldable(L) || this.engine.execDepth !== r.yieldDepth) return false;
      r.hookYield = true;
      return true;
    },
    interrupt: (L) => {
      const r = this.running;
      if (r === null || !r.killed || (r.killRaised && !r.forced)) return;
      r.killRaised = true;
      lua.lua_sethook(L, this.hookFn, lua.LUA_MASKCOUNT | lua.LUA_MASKLINE, HOOK_COUNT);
      raise(L, KILLED);
    },
  };

  /** Runs the script's coroutine for one slice (from r.sliceStart). */
  private resume(r: Run, nargs: number, mayYield: boolean): void {
    r.hookYield = false;
    setSliceHost(this.sliceHost);
    let status: number;
    try {
      status = lua.lua_resume(r.co, null, nargs);
    } finally {
      setSliceHost(null);
    }
    if (status === lua.LUA_YIELD && r.hookYield && mayYield) {
      this.suspend(r);
      setImmediate(() => this.step(r));
      return;
    }
    this.finish(r, status, mayYield);
  }

  /** The script outlives its slice: hold its caller, and past the threshold answer others BUSY. */
  private suspend(r: Run): void {
    const e = this.engine;
    const caller = r.req.caller;
    if (!r.suspended) {
      r.suspended = true;
      caller.blocked = { keys: [], tryServe: () => false, onTimeout: () => undefined, timer: null, deadline: 0 };
      // A snapshot the API asks for now waits for the script's end, as for a DEL of a million keys; clients of
      // replicas on this thread, which share the values it changes in place, too (redis-server's replicas get
      // the script's effects as one MULTI/EXEC).
      if (!r.readOnly) {
        r.endWrite = beginSlicedWrite(e);
        if (e.replication.hasReplicas) r.releaseReplicas = pauseReplicas(e);
      }
    }
    if (!r.busy && performance.now() - r.startedAt >= this.busyThreshold()) {
      r.busy = true;
      this.wakeQueued();
    }
    void e;
  }

  /** busy-reply-threshold, or its old name lua-time-limit when only that one was changed (a parameter group may set either). */
  private busyThreshold(): number {
    const cfg = this.engine.config;
    const busy = Number(cfg.get('busy-reply-threshold') ?? 5000);
    const legacy = Number(cfg.get('lua-time-limit') ?? 5000);
    const v = busy !== 5000 ? busy : legacy;
    return Number.isFinite(v) && v > 0 ? v : 5000;
  }

  private finish(r: Run, status: number, mayYield: boolean): void {
    const co = r.co;
    const w = r.req.caller.w;
    const onError = this.errorSink;
    if (status === lua.LUA_OK) {
      if (lua.lua_toboolean(co, 1)) {
        const walk = new LuaReplyWalk(co, 2, w, r.resp, onError);
        // The reply's writing counts in the script's slice (a script that used it writes 256 elements first).
        if (!walk.run(mayYield ? r.sliceStart + SLICE_MS : Number.POSITIVE_INFINITY)) {
          this.replyInSlices(r, walk);
          return;
        }
      } else this.writeError(r, 2, onError);
      lua.lua_settop(co, 0);
    } else {
      // The coroutine died outside the runner's xpcall (or yielded from the script itself).
      const msg = status === lua.LUA_YIELD ? 'attempt to yield across metamethod/C-call boundary' : luaToLatin1(lua.lua_tolstring(co, -1) ?? lstr('execution failure'));
      const reply = `ERR ${msg} script: ${r.req.name}, on @user_script:1.`;
      w.error(reply);
      onError(reply, false);
      if (r.req.asArguments) this.functions.dropThread();
      else this.thread = null;
    }
    this.end(r);
  }

  /**
   * redis-server's failed_calls of the script's command: one per error of the reply that was counted
   * already (afterErrorReply adds those at once), and one more if the reply counted any.
   */
  private readonly errorSink: ErrorSink = (msg, alreadyCounted) => {
    const r = this.running;
    if (r === null) return;
    if (alreadyCounted) r.errorsFlagged++;
    else {
      this.engine.countError(msg);
      r.errorsFresh++;
    }
  };

  /**
   * The script's value is written over several turns (a million-element table): as in redis-server,
   * where the conversion is part of the script's run, the node's other clients wait meanwhile (no
   * -BUSY: they are answered once it is done, so a SCRIPT KILL sent now finds no script).
   */
  private replyInSlices(r: Run, walk: LuaReplyWalk): void {
    r.replying = true;
    this.suspend(r);
    const e = this.engine;
    const c = r.req.caller;
    const next = () => {
      // A caller gone meanwhile reads nothing: its reply is dropped and the rest is not made. A table
      // that holds itself is endless nesting, which redis-server writes until it runs out of memory;
      // kept here it grew past 4 GB and Buffer.allocUnsafe ended the process (fuzz seed 118508).
      if (c.closed || c.peerGone) {
        c.w.take();
        lua.lua_settop(r.co, 0);
        this.end(r);
        return;
      }
      if (!walk.run(performance.now() + SLICE_MS)) {
        // What is made so far goes out as a sliced command's reply does (held back under a hard
        // output limit, which drops the client once passed), so memory holds about a slice of it.
        if (c.w.pendingBytes !== 0 && c.replyMode === 'on' && !c.outputHeld) {
          if (overOutputLimit(c, c.w.pendingBytes)) {
            c.w.take();
            e.closeClient(c, true);
          } else if (e.config.normalHardLimit === 0) e.queueFlush(c);
        }
        setImmediate(next);
        return;
      }
      lua.lua_settop(r.co, 0);
      this.end(r);
    };
    setImmediate(next);
  }

  /** What follows the script's reply: its error counts, the node's clients and replicas let go. */
  private end(r: Run): void {
    const e = this.engine;
    const failed = r.errorsFlagged + (r.errorsFresh > 0 ? 1 : 0);
    if (failed > 0) {
      const def = resolve(e, r.req.command);
      if (typeof def !== 'string') e.commandStats(def).failed += failed;
    }
    this.running = null;
    e.ks.scriptTime = null;
    // On a replica, what the primary wrote while the script ran lands now, after it.
    e.replication.primary?.replication.catchUp(e);
    e.execDepth--;
    r.endWrite?.();
    r.endWrite = null;
    if (r.suspended) {
      const caller = r.req.caller;
      const releaseReplicas = r.releaseReplicas;
      r.releaseReplicas = null;
      // The caller's own invalidations follow the reply that has just been written.
      if (releaseHeldPushes(caller)) e.queueFlush(caller);
      e.unblock(caller);
      if (r.then !== null) {
        // The rest of the caller's EXEC runs now, before any other client's command (its atomicity); the
        // replicas' clients wait for it too (their release runs their queued reads at once).
        r.then();
        // A later script of the same transaction outlived its slice too: the caller waits for that one.
        if (this.running !== null) {
          releaseReplicas?.();
          return;
        }
      }
      releaseReplicas?.();
      e.resume(caller);
      this.wakeQueued();
    }
    if (e.ks.ready.size !== 0 && e.execDepth === 0) e.serveBlocked();
  }

  private writeError(r: Run, idx: number, onError: ErrorSink): void {
    const co = r.co;
    const w = r.req.caller.w;
    if (lua.lua_type(co, idx) !== lua.LUA_TTABLE) {
      const s = lua.lua_tolstring(co, idx);
      const reply = `ERR Error running script ${r.req.name}, ${s === null ? 'execution failure' : luaToLatin1(s).slice(0, 100)}`;
      w.error(reply);
      onError(reply, false);
      return;
    }
    // Each field is copied as a C string (sdsnew): it ends at a NUL byte.
    const field = (name: string): string | null => {
      lua.lua_getfield(co, idx, lstr(name));
      const v = lua.lua_type(co, -1) === lua.LUA_TSTRING || lua.lua_type(co, -1) === lua.LUA_TNUMBER ? luaToLatin1(lua.lua_tolstring(co, -1) as Uint8Array).split('\0', 1)[0] as string : null;
      lua.lua_pop(co, 1);
      return v;
    };
    // redis-server 7.0.15 crashes on a table without a string err (error({}) reaches sdscatfmt with
    // NULL); later Redis and Valkey answer this instead, which a client can at least read.
    const err = field('err') ?? 'ERR unknown error';
    const source = field('source');
    const line = field('line');
    const msg = source !== null && line !== null ? `${err} script: ${r.req.name}, on ${source}:${line}.` : err;
    w.error(msg);
    lua.lua_getfield(co, idx, lstr('ignore_error_stats_update'));
    const counted = lua.lua_toboolean(co, -1);
    lua.lua_pop(co, 1);
    onError(msg, counted);
  }

  /** Runs what other clients queued while the script held the node. */
  private wakeQueued(): void {
    const e = this.engine;
    for (const c of e.clients.values()) {
      if (c.queue.length !== 0 && c.blocked === null) {
        e.processQueue(c);
        e.queueFlush(c);
      }
    }
  }

  /**
   * Runs `segment`, the commands of `c`'s EXEC from one point on: a script among them may yield as a
   * client's EVAL does. Answers whether one did: EXEC's remaining commands are then `rest`, which runs
   * as the script ends (end), before the node's other clients are let go.
   */
  runPausable(c: Client, segment: () => boolean, rest: () => void): boolean {
    const before = this.pausableExec;
    this.pausableExec = c;
    let paused: boolean;
    try {
      paused = segment();
    } finally {
      this.pausableExec = before;
    }
    if (paused) (this.running as Run).then = rest;
    return paused;
  }

  /** Whether the script `c` just called from its EXEC is still running (it yielded): see runPausable. */
  pausedFor(c: Client): boolean {
    const r = this.running;
    return r !== null && r.req.caller === c && r.yieldDepth === 2;
  }

  /** Whether a command of `c` must wait in its queue: a script runs and has not yet made the node busy. */
  holds(c: Client): boolean {
    const r = this.running;
    return r !== null && (!r.busy || r.replying) && c !== r.req.caller && c !== this.scriptClient;
  }

  /**
   * The -BUSY reply for a command of `c` while a script has run past busy-reply-threshold, or null.
   * Dispatch asks after its other checks, as redis-server does, so unknown commands, arity and ACL
   * errors come first and only commands without allow_busy are refused.
   */
  busyReply(c: Client): string | null {
    const r = this.running;
    if (r === null || !r.busy || r.replying || c === r.req.caller || c === this.scriptClient) return null;
    return r.req.evalMode ? BUSY_EVAL : BUSY_FUNCTION;
  }

  /** SCRIPT KILL / FUNCTION KILL. */
  kill(evalMode: boolean): void {
    const r = this.running;
    if (r === null) fail('NOTBUSY No scripts in execution right now.');
    if (r.wrote) fail(UNKILLABLE);
    if (evalMode && !r.req.evalMode) fail(BUSY_FUNCTION);
    if (!evalMode && r.req.evalMode) fail(BUSY_EVAL);
    r.killed = true;
  }

  /** The engine stops: a running script ends now, as if killed. */
  shutdown(): void {
    if (this.running !== null) this.running.killed = this.running.forced = true;
  }

  // --- ApiHost ---

  setResp(_L: LuaState, v: 2 | 3): void {
    if (this.running !== null) this.running.resp = v;
  }

  log(level: number, message: string): void {
    const e = this.engine;
    this.scriptLog.write(level, message, e.config.get('loglevel'), e.clock.now());
  }

  /** redis.acl_check_cmd: the caller's user against the command, found as Redis looks it up (no arity check). */
  /** redis.set_repl reaches the SYNC clients' stream (repl-feed.ts), the one replication that follows commands. */
  setRepl(flags: number): void {
    this.engine.feed?.setScriptRepl(flags);
  }

  aclCheck(args: string[]): boolean | null {
    let def = this.engine.lookup(args[0] as string);
    if (def?.subcommands !== undefined && args.length >= 2) def = def.subcommands.get((args[1] as string).toLowerCase());
    if (def === undefined) return null;
    const user = (this.running?.req.caller ?? this.client).user;
    return user.unrestricted || user.check(def, args) === null;
  }

  call(L: LuaState, raiseErrors: boolean): number {
    const r = this.running;
    if (r === null) return callError(L, raiseErrors, 'ERR redis.call is not available here');
    const n = lua.lua_gettop(L);
    if (n === 0) return callError(L, raiseErrors, 'ERR Please specify at least one argument for this redis lib call');
    const args: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = stringArgument(L, i + 1);
      if (s !== null) args[i] = s;
      else if (lua.lua_type(L, i + 1) === lua.LUA_TNUMBER) args[i] = numberArg(lua.lua_tonumber(L, i + 1));
      else return callError(L, raiseErrors, 'ERR Lua redis lib command arguments must be strings or integers');
    }
    const def = this.check(r, args);
    if (typeof def === 'string') {
      // Refused as a client's command would be: in the error stats and the command's rejected_calls now.
      const e = this.engine;
      e.countError(def);
      const known = resolve(e, args);
      const refused = typeof known === 'string' ? arityRejected(e, args) : known;
      if (refused !== null) e.commandStats(refused).rejected++;
      return callError(L, raiseErrors, def, true);
    }
    if (def.isWrite) r.wrote = true;
    const sc = this.client;
    sc.w.proto = r.resp;
    this.stepsAllowed = L === r.co && this.engine.execDepth === r.yieldDepth && lua.lua_isyieldable(L);
    try {
      runCommand(this.engine, sc, def, args);
    } finally {
      this.stepsAllowed = false;
    }
    const steps = this.steps;
    if (steps !== null) {
      this.steps = null;
      return this.commandInSteps(L, r, steps, def, raiseErrors);
    }
    const results = this.replyToScript(L, r, def, raiseErrors);
    // A command of thousands of arguments is one instruction of the script: a loop of them would outrun
    // the count hook, so such a call may end the script's slice.
    if (n >= MANY_ARGS && performance.now() >= r.sliceStart + SLICE_MS && this.sliceHost.tryYield(L)) return lua.lua_yieldk(L, 0, 0, oneResult);
    return results;
  }

  /** Whether a command `c` runs may hand its steps to the script (runSliced): the script's own, where it may yield. */
  mayTakeSteps(c: Client): boolean {
    return this.stepsAllowed && c === this.scriptClient && this.steps === null;
  }

  /** Takes a command's remaining work: redis.call runs it between the script's yields, then `finish(error or null)`. */
  takeSteps(work: Iterator<unknown>, finish: (err: unknown) => void): void {
    this.steps = { work, finish };
  }

  /**
   * A command called by the script whose work spans slices (LRANGE of a million): redis.call yields
   * between them as the count hook does, and reads the reply once the command is done.
   */
  private commandInSteps(L: LuaState, r: Run, steps: CommandSteps, def: CommandDef, raiseErrors: boolean): number {
    const go = (S: LuaState): number => {
      const end = r.sliceStart + SLICE_MS;
      let done = false;
      let failed: unknown = null;
      try {
        for (let n = 1; !(done = steps.work.next().done === true); n++) {
          if ((n & 63) === 0 && performance.now() >= end) break;
        }
      } catch (err) {
        failed = err;
        done = true;
      }
      // lua_yieldk unwinds by throwing: called outside the try above.
      if (!done) {
        r.hookYield = true;
        return lua.lua_yieldk(S, 0, 0, go);
      }
      steps.finish(failed);
      return this.replyToScript(S, r, def, raiseErrors);
    };
    return go(L);
  }

  /** The reply of the command the script called, as redis.call's result (or raised error). */
  private replyToScript(L: LuaState, r: Run, def: CommandDef, raiseErrors: boolean): number {
    const sc = this.client;
    const caller = r.req.caller;
    if (caller.tracking !== null && def.flags.includes('readonly')) this.engine.tracking.rememberKeys(caller, r.req.keys);
    const out = sc.w.take();
    if (out === null) {
      lua.lua_pushboolean(L, false);
      return 1;
    }
    // A command's error reply was counted when the command ran.
    if (out[0] === 45 && raiseErrors) {
      const eol = out.indexOf(13);
      pushErrorTable(L, out.subarray(1, eol < 0 ? out.length : eol));
      markCounted(L);
      return lua.lua_error(L);
    }
    // An integer reply (INCR's) or a single bulk string (GET, HGET), the commonest, need no reader.
    if (out[0] === 58 && out.length === out.indexOf(13) + 2) {
      lua.lua_pushnumber(L, intAt(out, 1, out.length - 2));
      return 1;
    }
    if (out[0] === 43) {
      const eol = out.indexOf(13);
      if (out.length === eol + 2) {
        pushStatusTable(L, out.subarray(1, eol));
        return 1;
      }
    }
    if (out[0] === 36) {
      const eol = out.indexOf(13);
      const n = intAt(out, 1, eol);
      if (n >= 0 && out.length === eol + 4 + n) {
        lua.lua_pushstring(L, out.subarray(eol + 2, eol + 2 + n));
        return 1;
      }
    }
    const reader = new LuaReplyReader(L, out);
    if (!reader.run(r.sliceStart + SLICE_MS)) return this.readInSlices(L, r, reader);
    if (out[0] === 45) markCounted(L);
    return 1;
  }

  /**
   * A reply too big for the script's slice (a million-element LRANGE) reaches it over several turns:
   * redis.call yields between them as the count hook does, with the tables made so far on the stack.
   * Inside MULTI, or where the script cannot yield, it is read whole.
   */
  private readInSlices(L: LuaState, r: Run, reader: LuaReplyReader): number {
    if (L !== r.co || !lua.lua_isyieldable(L) || this.engine.execDepth !== r.yieldDepth) {
      reader.run(Number.POSITIVE_INFINITY);
      return 1;
    }
    const more = (S: LuaState): number => {
      if (reader.run(r.sliceStart + SLICE_MS)) return 1;
      r.hookYield = true;
      return lua.lua_yieldk(S, 0, 0, more);
    };
    r.hookYield = true;
    return lua.lua_yieldk(L, 0, 0, more);
  }

  /** Redis's checks for a command called from a script; the def, or the error text. */
  private check(r: Run, args: string[]): CommandDef | string {
    const e = this.engine;
    const def = resolve(e, args);
    if (typeof def === 'string') return def.includes('wrong number of arguments') ? 'ERR Wrong number of args calling Redis command from script' : 'ERR Unknown Redis command called from script';
    if (def.flags.includes('noscript') && !e.disableDenyScripts) return 'ERR This Redis command is not allowed from script';
    // Only an allow-stale script runs on a replica whose link is down (preflight); its calls are held to stale commands.
    if (e.replication.primary !== null && !e.replication.linkUp && !def.flags.includes('stale') && e.config.get('replica-serve-stale-data') === 'no') {
      return 'ERR Can not execute the command on a stale replica';
    }
    const caller = r.req.caller;
    if (!caller.user.unrestricted) {
      const denied = caller.user.check(def, args);
      if (denied !== null) {
        e.acl.log.add(caller, denied.reason, 'lua', denied.object, caller.user.name);
        return SCRIPT_ACL_DENIED[denied.reason];
      }
    }
    // A read-only script counts may_replicate commands (PUBLISH, PFCOUNT) as writes, which lets it run under CLIENT PAUSE WRITE.
    if (r.readOnly && (def.isWrite || def.mayReplicate)) return 'ERR Write commands are not allowed from read-only scripts.';
    if (def.isWrite) {
      if (readOnlyReplica(e)) return "READONLY You can't write against a read only replica.";
      if (writesDeniedByDiskError(e)) return MISCONF;
      // Only scripts without a shebang get here with too few replicas (the others were refused before they ran).
      if (!enoughGoodReplicas(e)) return NOREPLICAS;
    }
    if (r.oom && def.denyOom && !r.req.flags.allowOom && !r.wrote) return E.OOM;
    if (e.cluster !== null) {
      const positions = keyPositions(def, args);
      if (positions.length > 0) {
        const slot = keySlot(args[positions[0] as number] as string);
        for (const p of positions) if (keySlot(args[p] as string) !== slot) return 'ERR Script attempted to access a non local key in a cluster node';
        const owner = e.cluster.shardForSlot(slot);
        const local = owner !== undefined && (owner.primary.engine === e || (!def.isWrite && r.req.caller.clusterReadonly && owner.replicas.some((x) => x.engine === e)));
        if (!local) return 'ERR Script attempted to access a non local key in a cluster node';
        // Scripts without a shebang may reach local keys of any slot, as Redis 7.0 keeps for old scripts.
        if (!r.req.flags.allowCrossSlot && !r.req.flags.compat) {
          if (r.slot === -1) r.slot = slot;
          else if (r.slot !== slot) return 'ERR Script attempted to access keys that do not hash to the same slot';
        }
      }
    }
    return def;
  }
}

/** The error redis.call raises or redis.pcall returns; `counted` when the stats have it already. */
function callError(L: LuaState, raiseErrors: boolean, msg: string, counted = false): number {
  pushErrorTable(L, latin1ToLua(msg));
  if (counted) markCounted(L);
  return raiseErrors ? lua.lua_error(L) : 1;
}

/** Flags the error table on top so the reply that carries it does not count it in the error stats again. */
function markCounted(L: LuaState): void {
  lua.lua_pushboolean(L, true);
  lua.lua_setfield(L, -2, lstr('ignore_error_stats_update'));
}


/** Sets the global named by registry reference `nameRef` (in the table on top) to a table of `items`; returns the table. */
function setArrayGlobal(L: LuaState, nameRef: number, items: string[]): unknown {
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, nameRef);
  lua.lua_pushvalue(L, -1);
  lua.lua_rawget(L, -3);
  if (refillStringArray(L, items)) {
    const t = topObject(L);
    lua.lua_pop(L, 2);
    return t;
  }
  lua.lua_pop(L, 1);
  pushStringArray(L, items);
  const t = topObject(L);
  lua.lua_rawset(L, -3);
  return t;
}

/** Redis 7.0 turns a Lua number argument into text with "%.17g". */
function numberArg(n: number): string {
  if (Object.is(n, -0)) return '-0';
  // %.17g prints a NaN's sign, and x86's 0/0 is negative: SET k 0/0 stores '-nan' (seed 46271).
  if (n !== n) return formatOne('%.17g', n);
  return Number.isInteger(n) && Math.abs(n) < 1e17 ? String(n) : formatDouble(n);
}
