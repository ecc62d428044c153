// Connection commands: PING ECHO QUIT RESET AUTH HELLO SELECT CLIENT.
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import { argvMemory, clientMemory, multiMemory, outputMemory, queryBufferFree, queryBufferUsed } from '../client-memory.ts';
import { defineGroup } from '../command-table.ts';
import type { Engine } from '../engine.ts';
import { E, fail } from '../errors.ts';
import { I64_MAX, parseIntArg, toI64 } from '../num.ts';
import type { TrackingState } from '../tracking.ts';
import { toDbIndex } from './keys.ts';
import { CLIENT_HELP } from './help-texts.ts';
import { recordLatency } from '../dispatch.ts';
import { is, writeHelp, keyword } from './util.ts';

/** AUTH and HELLO AUTH: a user and password, or just the default user's password. */
/** `typed` is the command's name as the client spelt it: ACL LOG shows it as the refused object. */
function checkPassword(c: Client, user: string | null, pass: string, typed: string): void {
  const acl = c.engine.acl;
  if (user === null && acl.defaultUser.nopass) {
    fail('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  if (!acl.authenticate(c, user ?? 'default', pass, typed)) fail(E.WRONGPASS);
}

function hello(c: Client, a: string[]): void {
  let proto = c.w.proto;
  let i = 1;
  if (a.length > 1) {
    // Read as a long long (redis-server's string2ll: no leading zeros, no overflow).
    const v = parseIntArg(a[1] as string, 'ERR Protocol version is not an integer or out of range');
    if (v !== 2 && v !== 3) fail('NOPROTO unsupported protocol version');
    proto = v;
    i = 2;
  }
  // redis-server 7.0 acts on each option as it reads it: a name set before a failing option stays.
  for (; i < a.length; i++) {
    if (is(a[i], 'auth') && i + 2 < a.length) {
      checkPassword(c, a[i + 1] as string, a[i + 2] as string, a[0] as string);
      i += 2;
    } else if (is(a[i], 'setname') && i + 1 < a.length) {
      const name = a[++i] as string;
      validateName(name);
      c.name = name;
    } else {
      fail(`ERR Syntax error in HELLO option '${asCString(a[i] as string)}'`);
    }
  }
  if (!c.authenticated) {
    fail('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  c.w.proto = proto;
  c.w.map(7);
  c.w.bulk('server');
  c.w.bulk(c.engine.serverName);
  c.w.bulk('version');
  c.w.bulk(c.engine.version);
  c.w.bulk('proto');
  c.w.int(proto);
  c.w.bulk('id');
  c.w.int(c.id);
  c.w.bulk('mode');
  c.w.bulk(c.engine.cluster === null ? 'standalone' : 'cluster');
  c.w.bulk('role');
  c.w.bulk('master');
  c.w.bulk('modules');
  c.w.array(0);
}

function validateName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) fail('ERR Client names cannot contain spaces, newlines or special characters.');
  }
}

/** One line of CLIENT LIST / CLIENT INFO, with Redis's field names. */
export function clientInfoLine(c: Client): string {
  const e = c.engine;
  const now = e.clock.now();
  const t = c.tracking;
  // In redis-server 7.0's order; a client stays 'x' with its queued count while EXEC runs them.
  const flags =
    (c.monitoring ? 'O' : e.feed?.has(c) === true ? 'S' : '') +
    (c.isPrimary ? 'M' : '') +
    (c.inPubSubContext ? 'P' : '') +
    (c.multi !== null || c.execQueued >= 0 ? 'x' : '') +
    (c.blocked !== null || c.postponed ? 'b' : '') +
    (t !== null ? 't' : '') +
    (t !== null && e.tracking.brokenRedirect.has(c.id) ? 'R' : '') +
    (t?.bcast === true ? 'B' : '') +
    (c.dirtyCas ? 'd' : '') +
    (c.conn.unix === true ? 'U' : '') +
    (c.clusterReadonly ? 'r' : '') +
    (c.noEvict ? 'e' : '') +
    (c.noTouch ? 'T' : '') || 'N';
  const multi = c.multi !== null ? c.multi.length : c.execQueued;
  // Replies not yet flushed (earlier commands of this pipeline) are in the buffer already.
  c.replyBuffer.held(c.w.pendingBytes);
  return (
    `id=${c.id} addr=${c.conn.remote} laddr=${c.conn.local} fd=${c.id + 7} name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} ` +
    `idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags} db=${c.dbIndex} sub=${c.subs.size} psub=${c.psubs.size} ssub=${c.ssubs.size} ` +
    `multi=${multi} qbuf=${queryBufferUsed(c)} qbuf-free=${queryBufferFree(c, now)} argv-mem=${argvMemory(c)} multi-mem=${multiMemory(c)} rbs=${c.replyBuffer.size} rbp=${c.replyBuffer.peak} ` +
    `obl=0 oll=0 omem=${outputMemory(c)} tot-mem=${clientMemory(c, now)} events=r cmd=${c.lastCommand} user=${c.user.name} redir=${t === null ? -1 : t.redirect} ` +
    `resp=${c.w.proto}` +
    (c.engine.serverName === 'valkey' ? ` lib-name=${c.libName} lib-ver=${c.libVer}` : '')
  );
}

/** Ends a pause when its time comes; a timer waits 2^31-1 ms at most, so a longer pause waits again. */
function releasePauseAt(e: Engine, until: number): void {
  setTimeout(() => {
    if (e.pause === null) return;
    const now = e.clock.now();
    if (now >= e.pause.until) e.unpause();
    else if (now < until) releasePauseAt(e, until);
  }, Math.min(until - e.clock.now() + 1, 2 ** 31 - 1)).unref();
}

/** A TYPE of CLIENT LIST or KILL, compared as a C string (strcasecmp) as redis-server does. */
function clientType(name: string): string {
  const t = asCString(name).toLowerCase();
  if (!['normal', 'master', 'slave', 'replica', 'pubsub'].includes(t)) fail(`ERR Unknown client type '${asCString(name)}'`);
  return t === 'replica' ? 'slave' : t;
}

/** A client's class as redis-server's getClientType: a SYNC client is a slave, then pub/sub, else normal. */
function classOf(x: Client): string {
  if (x.isPrimary) return 'master';
  if (x.engine.feed?.has(x) === true) return 'slave';
  return x.inPubSubContext ? 'pubsub' : 'normal';
}

function clientKill(c: Client, a: string[]): void {
  const e = c.engine;
  if (a.length === 3) {
    const target = [...e.clients.values()].find((x) => x.conn.remote === a[2]);
    if (target === undefined) fail('ERR No such client');
    killLater(c, target);
    return c.w.ok();
  }
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let skipMe = true;
  // Filter by filter as redis-server reads them: one's error comes before a lone word after it.
  for (let i = 2; i < a.length; i += 2) {
    const opt = keyword(a[i] as string);
    const v = a[i + 1] as string;
    if (i + 1 >= a.length) fail(E.SYNTAX);
    if (opt === 'id') {
      id = parseIntArg(v, 'ERR client-id should be greater than 0');
      if (id <= 0) fail('ERR client-id should be greater than 0');
    } else if (opt === 'addr') addr = v;
    else if (opt === 'laddr') laddr = v;
    else if (opt === 'type') {
      type = clientType(v);
    } else if (opt === 'user') {
      if (e.acl.get(v) === undefined) fail(`ERR No such user '${asCString(v)}'`);
      user = v;
    } else if (opt === 'skipme') {
      const s = keyword(v);
      if (s !== 'yes' && s !== 'no') fail(E.SYNTAX);
      skipMe = s === 'yes';
    } else fail(E.SYNTAX);
  }
  let killed = 0;
  for (const x of [...e.clients.values()]) {
    if (id !== null && x.id !== id) continue;
    if (addr !== null && x.conn.remote !== addr) continue;
    if (laddr !== null && x.conn.local !== laddr) continue;
    if (type !== null && classOf(x) !== type) continue;
    if (user !== null && x.user.name !== user) continue;
    if (skipMe && x === c) continue;
    killLater(c, x);
    killed++;
  }
  c.w.int(killed);
}

function clientTracking(c: Client, a: string[]): void {
  const e = c.engine;
  // As redis-server 7.0: the options are read (and may fail) before ON or OFF is looked at, so OFF takes them too.
  const state: TrackingState = { redirect: 0, bcast: false, prefixes: [], optin: false, optout: false, noloop: false, caching: null };
  let redirectGiven = false;
  for (let i = 3; i < a.length; i++) {
    const w = keyword(a[i] as string);
    if (w === 'redirect' && i + 1 < a.length) {
      if (redirectGiven) fail('ERR A client can only redirect to a single other client');
      redirectGiven = true;
      const id = parseIntArg(a[++i] as string);
      if (id !== c.id && !e.clients.has(id)) fail('ERR The client ID you want redirect to does not exist');
      state.redirect = id;
    } else if (w === 'bcast') state.bcast = true;
    else if (w === 'optin') state.optin = true;
    else if (w === 'optout') state.optout = true;
    else if (w === 'noloop') state.noloop = true;
    else if (w === 'prefix' && i + 1 < a.length) state.prefixes.push(a[++i] as string);
    else fail(E.SYNTAX);
  }
  if (is(a[2], 'off')) {
    e.tracking.disable(c);
    return c.w.ok();
  }
  if (!is(a[2], 'on')) fail(E.SYNTAX);
  if (state.prefixes.length > 0 && !state.bcast) fail('ERR PREFIX option requires BCAST mode to be enabled');
  const cur = c.tracking;
  if (cur !== null) {
    if (cur.bcast !== state.bcast) fail("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    if ((state.optin && cur.optout) || (state.optout && cur.optin)) fail("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (state.bcast && (state.optin || state.optout)) fail('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (state.optin && state.optout) fail("ERR You can't use OPTIN and OPTOUT at the same time");
  if (state.bcast) {
    const collision = e.tracking.prefixCollision(c, state.prefixes);
    if (collision?.refused === true) fail(collision.error);
    if (collision !== null) {
      // Answered twice, as 7.0.15 does: the error (a failed call in the stats), then the +OK below.
      c.w.error(collision.error);
      e.countError(collision.error);
      const def = e.lookup('client')?.subcommands?.get('tracking');
      if (def !== undefined) e.commandStats(def).failed++;
    }
  }
  e.tracking.enable(c, state);
  c.w.ok();
}

/** The killing client still gets its reply; others close right away. */
function killLater(c: Client, target: Client): void {
  if (target === c) c.closing = true;
  else c.engine.closeClient(target, true);
}

export const connectionCommands = defineGroup('connection', [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast', 'sentinel'],
    handler: (c, a) => {
      if (a.length > 2) fail("ERR wrong number of arguments for 'ping' command");
      if (c.w.proto === 2 && c.inPubSubContext) {
        c.w.array(2);
        c.w.bulk('pong');
        c.w.bulk(a[1] ?? '');
      } else if (a.length === 2) c.w.bulk(a[1] as string);
      else c.w.simple('PONG');
    },
  },
  { name: 'echo', arity: 2, flags: ['fast'], handler: (c, a) => c.w.bulk(a[1] as string) },
  {
    name: 'quit',
    arity: -1,
    flags: ['no_auth', 'fast', 'allow_busy'],
    handler: (c) => {
      c.w.ok();
      c.closing = true;
    },
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['no_auth', 'fast', 'no_multi'],
    handler: (c) => {
      const e = c.engine;
      c.multi = null;
      c.multiError = false;
      e.unwatchAll(c);
      e.pubsub.removeAll(c);
      e.tracking.disable(c);
      e.monitors.delete(c);
      c.monitoring = false;
      c.dbIndex = 0;
      c.name = '';
      c.w.proto = 2;
      c.replyMode = 'on';
      // redis-server 7.0's RESET leaves CLIENT NO-EVICT as it was.
      c.noTouch = false;
      c.clusterReadonly = false;
      c.user = e.acl.defaultUser;
      c.authenticated = e.acl.autoAuthenticated();
      c.w.simple('RESET');
    },
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['no_auth', 'fast', 'sentinel'],
    handler: (c, a) => {
      if (a.length > 3) fail(E.SYNTAX);
      if (a.length === 3) checkPassword(c, a[1] as string, a[2] as string, a[0] as string);
      else checkPassword(c, null, a[1] as string, a[0] as string);
      c.w.ok();
    },
  },
  { name: 'hello', arity: -1, flags: ['no_auth', 'fast', 'sentinel'], handler: hello },
  {
    name: 'select',
    arity: 2,
    flags: ['fast'],
    handler: (c, a) => {
      const idx = toDbIndex(a[1] as string);
      if (idx !== 0 && c.engine.cluster !== null) fail('ERR SELECT is not allowed in cluster mode');
      c.dbIndex = idx;
      c.w.ok();
    },
  },
  {
    name: 'client',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'id', arity: 2, flags: ['fast'], handler: (c) => c.w.int(c.id) },
      {
        name: 'setname',
        arity: 3,
        flags: ['fast'],
        handler: (c, a) => {
          validateName(a[2] as string);
          c.name = a[2] as string;
          c.w.ok();
        },
      },
      { name: 'getname', arity: 2, flags: ['fast'], handler: (c) => (c.name === '' ? c.w.nil() : c.w.bulk(c.name)) },
      {
        name: 'setinfo',
        arity: 4,
        flags: ['fast'],
        handler: (c, a) => {
          const attr = (a[2] as string).toLowerCase();
          const v = a[3] as string;
          if (attr !== 'lib-name' && attr !== 'lib-ver') fail(`ERR Unrecognized option '${a[2]}'`);
          for (let i = 0; i < v.length; i++) {
            const ch = v.charCodeAt(i);
            if (ch < 33 || ch > 126) fail(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
          }
          if (attr === 'lib-name') c.libName = v;
          else c.libVer = v;
          c.w.ok();
        },
      },
      {
        name: 'list',
        arity: -2,
        flags: ['admin'],
        handler: (c, a) => {
          // As redis-server 7.0: TYPE alone, or ID with ids listed in the order given (any integer, found or not).
          let list = [...c.engine.clients.values()];
          if (a.length === 4 && is(a[2], 'type')) {
            const t = clientType(a[3] as string);
            list = list.filter((x) => classOf(x) === t);
          } else if (a.length > 3 && is(a[2], 'id')) {
            list = [];
            for (let i = 3; i < a.length; i++) {
              const found = c.engine.clients.get(parseIntArg(a[i] as string, 'ERR Invalid client ID'));
              if (found !== undefined) list.push(found);
            }
          } else if (a.length !== 2) fail(E.SYNTAX);
          c.w.verbatim(list.map((x) => clientInfoLine(x) + '\n').join(''));
        },
      },
      { name: 'info', arity: 2, flags: [], handler: (c) => c.w.verbatim(clientInfoLine(c) + '\n') },
      { name: 'kill', arity: -3, flags: ['admin'], handler: clientKill },
      {
        name: 'pause',
        arity: -3,
        flags: ['admin'],
        handler: (c, a) => {
          // 7.0's order: the argument count, the mode (a C string), then the timeout.
          if (a.length > 4) fail(E.SUB_SYNTAX(a));
          let writesOnly = false;
          if (a.length === 4) {
            const mode = asCString(a[3] as string);
            if (is(mode, 'write')) writesOnly = true;
            else if (!is(mode, 'all')) fail('ERR CLIENT PAUSE mode must be WRITE or ALL');
          }
          const e = c.engine;
          const timeout = toI64(a[2] as string);
          if (timeout === null) fail('ERR timeout is not an integer or out of range');
          if (timeout < 0n) fail('ERR timeout is negative');
          const now = e.clock.now();
          // 7.0.15 adds the timeout to now unchecked: past LLONG_MAX the end wraps into the past, so nothing pauses.
          if (timeout > I64_MAX - BigInt(Math.floor(now))) return c.w.ok();
          const until = now + Number(timeout);
          e.pause = { until: Math.max(until, e.pause?.until ?? 0), writesOnly: writesOnly && (e.pause?.writesOnly ?? true), clientPause: true };
          releasePauseAt(e, until);
          c.w.ok();
        },
      },
      {
        name: 'unpause',
        arity: 2,
        flags: ['admin'],
        handler: (c) => {
          // Its +OK goes first: redis-server runs the held clients after the command (a message a
          // held PUBLISH sends this client comes after the reply). Without a pause there is nothing
          // to release; releasing anyway re-entered this client's own queue without end.
          c.w.ok();
          if (c.engine.pause !== null) c.engine.unpause();
        },
      },
      {
        name: 'no-evict',
        arity: 3,
        flags: ['admin'],
        handler: (c, a) => {
          if (is(a[2], 'on')) c.noEvict = true;
          else if (is(a[2], 'off')) c.noEvict = false;
          else fail(E.SYNTAX);
          c.w.ok();
        },
      },
      {
        name: 'no-touch',
        arity: 3,
        flags: [],
        handler: (c, a) => {
          if (is(a[2], 'on')) c.noTouch = true;
          else if (is(a[2], 'off')) c.noTouch = false;
          else fail(E.SYNTAX);
          c.w.ok();
        },
      },
      {
        name: 'reply',
        arity: 3,
        flags: [],
        handler: (c, a) => {
          if (is(a[2], 'on')) {
            c.replyMode = 'on';
            c.w.ok();
          } else if (is(a[2], 'off')) c.replyMode = 'off';
          else if (is(a[2], 'skip')) {
            if (c.replyMode === 'on') c.replyMode = 'skip';
          } else fail(E.SYNTAX);
        },
      },
      {
        name: 'unblock',
        arity: -3,
        flags: ['admin'],
        handler: (c, a) => {
          // redis-server reads the reason before the id.
          let asError = false;
          if (a.length === 4) {
            if (is(a[3], 'error')) asError = true;
            else if (!is(a[3], 'timeout')) fail('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
          } else if (a.length > 4) fail(E.SYNTAX);
          const id = parseIntArg(a[2] as string);
          const target = c.engine.clients.get(id);
          if (target === undefined || target.blocked === null) return c.w.int(0);
          if (asError) {
            // The blocked command ends in an error: Redis counts it in errorstats.
            const msg = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
            target.w.error(msg);
            c.engine.countError(msg);
          } else target.blocked.onTimeout();
          // 7.0.15 counts the unblocked command as a failed call either way (updateStatsOnUnblock with
          // had_errors set), TIMEOUT included.
          const def = c.engine.lookup(target.lastCommand);
          if (def !== undefined) {
            c.engine.commandStats(def).failed++;
            recordLatency(c.engine, def, 0);
          }
          c.engine.unblock(target);
          c.engine.resume(target);
          c.w.int(1);
        },
      },
      { name: 'getredir', arity: 2, flags: [], handler: (c) => c.w.int(c.tracking === null ? -1 : c.tracking.redirect) },
      { name: 'tracking', arity: -3, flags: [], handler: clientTracking },
      {
        name: 'trackinginfo',
        arity: 2,
        flags: [],
        handler: (c) => {
          const t = c.tracking;
          const flags: string[] = [];
          if (t === null) flags.push('off');
          else {
            flags.push('on');
            if (t.bcast) flags.push('bcast');
            if (t.optin) flags.push('optin');
            if (t.optout) flags.push('optout');
            if (t.caching === true) flags.push('caching-yes');
            if (t.caching === false) flags.push('caching-no');
            if (t.noloop) flags.push('noloop');
            if (c.engine.tracking.brokenRedirect.has(c.id)) flags.push('broken_redirect');
          }
          c.w.map(3);
          c.w.bulk('flags');
          c.w.setOfBulks(flags);
          c.w.bulk('redirect');
          c.w.int(t === null ? -1 : t.redirect);
          c.w.bulk('prefixes');
          c.w.bulks([...(t?.prefixes ?? [])].sort());
        },
      },
      {
        name: 'caching',
        arity: 3,
        flags: [],
        handler: (c, a) => {
          const t = c.tracking;
          if (t === null) fail('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
          if (is(a[2], 'yes')) {
            if (!t.optin) fail('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
            t.caching = true;
          } else if (is(a[2], 'no')) {
            if (!t.optout) fail('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
            t.caching = false;
          } else fail(E.SYNTAX);
          c.w.ok();
        },
      },
      { name: 'help', arity: 2, flags: [], handler: (c) => writeHelp(c, CLIENT_HELP) },
    ],
  },
]);
