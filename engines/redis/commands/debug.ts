// DEBUG as redis-server 7.0 answers it in a bare engine (nodes refuse it, as ElastiCache does): the
// subcommands Redis's own test suite calls. Work that grows with the data (RELOAD, DIGEST, POPULATE)
// runs in slices, so the other nodes sharing this event loop keep answering.
import { configRewrite } from '../config-rewrite.ts';
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import type { CommandSpec } from '../command-table.ts';
import { viewOf } from '../db/keydict.ts';
import { encodingOf } from '../db/objects.ts';
import { digestDatasets, digestValue, hex } from '../debug-digest.ts';
import { E, fail } from '../errors.ts';
import { parseMemory } from '../config.ts';
import { packedThresholdOf } from '../db/list-options.ts';
import { DEFAULT_PACKED_THRESHOLD } from '../types/quicklist.ts';
import { runSliced } from '../sliced.ts';
import { debugLoadAof, debugReload } from './debug-reload.ts';
import { debugHtstats, debugHtstatsKey, debugObject, debugSdslen } from './debug-structure.ts';
import { debugSleep } from './debug-sleep.ts';
import { changeReplId } from '../repl-id.ts';
import { clientEvictionBuckets } from '../client-eviction.ts';
import { objectLookup } from './keys.ts';
import { is, parseCount, writeHelp, keyword } from './util.ts';
import { errnoAccepted, parseIntArg } from '../num.ts';
import { DEFAULT_PEAK_RESET_MS } from '../reply-buffer.ts';

const HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANGE-REPL-ID',
  '    Draw a new replication ID (INFO\'s master_replid); the run ID stays.',
  'CLIENT-EVICTION',
  '    The evictable clients by memory bucket (maxmemory-clients on).',
  'DIGEST',
  '    A hex signature of the whole dataset, equal to redis-server\'s for the same data.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    A hex signature of each value named.',
  'ERROR <string>',
  '    Reply with <string> as an error.',
  'LISTPACK <key>',
  '    Fails unless <key> is listpack encoded.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'LOADAOF',
  '    Load the dataset back as if from the append only file (as RELOAD: every write is in it).',
  'HTSTATS <dbid>',
  '    Statistics of the hash tables of database <dbid>, as redis-server\'s would be for its keys.',
  'HTSTATS-KEY <key>',
  '    Statistics of the hash table of a set, hash or sorted set in its hashtable/skiplist encoding.',
  'OBJECT <key>',
  '    Low level facts about <key>\'s value: its RDB length, and its quicklist nodes for a list.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys <prefix>:<n> (prefix "key"), values "value:<n>" padded or cut to <size>.',
  'PROTOCOL <type>',
  '    A test reply of <type>: string, integer, double, bignum, null, array, set, map, attrib, push,',
  '    verbatim, true, false.',
  'QUICKLIST <key> [<0|1>]',
  '    Fails unless <key> is quicklist encoded.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Accepted for compatibility.',
  'PAUSE-CRON <0|1>',
  '    Stop or restart the trimming of query buffers.',
  'RELOAD [MERGE] [NOFLUSH] [NOSAVE]',
  '    Save the dataset as an RDB in memory and load it back.',
  'STRUCTSIZE',
  '    The sizes of redis-server\'s core structures on a 64-bit build.',
  'SDSLEN <key>',
  '    The string buffers redis-server would hold for <key> and its string value.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Turn the background expiry of keys off or on.',
  'SLEEP <seconds>',
  '    Stop this node for <seconds>; decimals allowed.',
  'HELP',
  '    Print this help.',
];

/** What `DEBUG PROTOCOL` sends, type by type, as redis-server does (in RESP2 the RESP3 types degrade). */
function protocolReply(c: Client, type: string): void {
  const w = c.w;
  switch (type.toLowerCase()) {
    case 'string':
      return w.bulk('Hello World');
    case 'integer':
      return w.int(12345);
    case 'double':
      return w.double(3.141);
    case 'bignum':
      if (w.proto === 3) return w.raw(Buffer.from('(1234567999999999999999999999999999999\r\n'));
      return w.bulk('1234567999999999999999999999999999999');
    case 'null':
      return w.nil();
    case 'array':
    case 'set':
      if (type.toLowerCase() === 'set') w.setHeader(3);
      else w.array(3);
      for (let j = 0; j < 3; j++) w.int(j);
      return;
    case 'map':
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.int(j);
        w.bool(j === 1);
      }
      return;
    case 'attrib':
      // An attribute is not a reply of its own: RESP2 clients get only the reply that follows it.
      if (w.proto === 3) {
        w.raw(Buffer.from('|1\r\n'));
        w.bulk('key-popularity');
        w.array(2);
        w.bulk('key:123');
        w.int(90);
      }
      return w.bulk('Some real reply following the attribute');
    case 'push':
      if (w.proto !== 3) fail('ERR RESP2 is not supported by this command');
      w.push(2);
      w.bulk('server-cpu-usage');
      w.int(42);
      return w.bulk('Some real reply following the push reply');
    case 'verbatim':
      return w.verbatim('This is a verbatim\nstring');
    case 'true':
      return w.bool(true);
    case 'false':
      return w.bool(false);
    default:
      fail('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

/** DEBUG POPULATE: missing keys only, no keyspace events, as Redis's dbAdd loop. */
function* populate(c: Client, count: number, prefix: string, size: number): Generator<void> {
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.exists(key)) continue;
    const text = `value:${j}`;
    db.setString(key, size === 0 ? text : size <= text.length ? text.slice(0, size) : text + '\0'.repeat(size - text.length));
    yield;
  }
}

function digestReply(c: Client): void {
  const out = new Uint8Array(20);
  runSliced(c, digestDatasets(c.engine.ks.dbs, out, () => errnoAccepted(c.engine)), () => c.w.simple(hex(out)));
}

/** DIGEST-VALUE reads keys as stored, logically expired ones too, as Redis does. */
function* digestValues(c: Client, keys: string[], out: Uint8Array[]): Generator<void> {
  for (const key of keys) {
    const digest = new Uint8Array(20);
    out.push(digest);
    const stored = c.db.dict.getRaw(key);
    if (stored !== undefined && viewOf(stored).type === 'stream') errnoAccepted(c.engine); // its iterator runs off the tree
    if (stored !== undefined) yield* digestValue(digest, viewOf(stored), c.db.expires.has(key));
    yield;
  }
}

function wrongArgs(sub: string): never {
  // redis-server prints the subcommand with %s: it ends at a NUL byte.
  fail(`ERR unknown subcommand or wrong number of arguments for '${asCString(sub)}'. Try DEBUG HELP.`);
}

function debugCommand(c: Client, a: string[]): void {
  const subArg = a[1] as string;
  // Subcommands are matched with strcasecmp: 'SLEEP\0x' is SLEEP.
  const sub = keyword(subArg);
  const n = a.length;
  const e = c.engine;
  switch (sub) {
    case 'help':
      if (n === 2) return writeHelp(c, HELP);
      break;
    case 'sleep':
      if (n === 3) return debugSleep(c, Number(a[2]) * 1000);
      break;
    case 'replicate':
      // The command goes to the replicas as if it ran here, and does not run: how 7.0's tests make a replica diverge.
      if (n >= 3) {
        e.feed?.propagate(c.dbIndex, a.slice(2));
        return c.w.ok();
      }
      break;
    case 'set-active-expire':
      if (n === 3) {
        e.config.activeExpire = a[2] !== '0';
        return c.w.ok();
      }
      break;
    case 'object':
      if (n === 3) return debugObject(c, a[2] as string);
      break;
    case 'sdslen':
      if (n === 3) return debugSdslen(c, a[2] as string);
      break;
    case 'htstats':
      if (n === 3) return debugHtstats(c, a[2] as string);
      break;
    case 'htstats-key':
      if (n === 3) {
        objectLookup(c, c.db.peek(a[2] as string));
        return debugHtstatsKey(c, a[2] as string);
      }
      break;
    case 'reload':
      return debugReload(c, a.slice(2));
    case 'loadaof':
      return debugLoadAof(c);
    case 'digest':
      if (n === 2) return digestReply(c);
      break;
    case 'digest-value': {
      const out: Uint8Array[] = [];
      return runSliced(c, digestValues(c, a.slice(2), out), () => {
        c.w.array(out.length);
        for (const d of out) c.w.simple(hex(d));
      });
    }
    case 'populate':
      if (n >= 3 && n <= 5) {
        const count = parseCount(a[2] as string);
        const size = n === 5 ? parseCount(a[4] as string) : 0;
        return runSliced(c, populate(c, count, n === 3 ? 'key' : (a[3] as string), size), () => c.w.ok());
      }
      break;
    case 'protocol':
      if (n === 3) return protocolReply(c, a[2] as string);
      break;
    case 'listpack':
    case 'quicklist':
      if (n === 3 || (sub === 'quicklist' && n === 4)) {
        const o = objectLookup(c, c.db.peek(a[2] as string));
        if (o === null) fail(E.NO_KEY);
        if (encodingOf(o) !== sub) fail(`ERR Not a ${sub} encoded object.`);
        return c.w.simple(sub === 'listpack' ? 'Listpack structure printed on stdout' : 'Quicklist structure printed on stdout');
      }
      break;
    case 'quicklist-packed-threshold':
      if (n === 3) {
        const size = parseMemory(a[2] as string);
        // quicklistisSetPackedThreshold: up to 4 GB less 1 MB; 0 puts the default back.
        if (size === null || size > 2 ** 32 - 2 ** 20) fail('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        packedThresholdOf(e).bytes = size === 0 ? DEFAULT_PACKED_THRESHOLD : size;
        return c.w.ok();
      }
      break;
    case 'error':
      if (n === 3) return c.w.error((a[2] as string).replace(/[\r\n]/g, ' '));
      break;
    case 'pause-cron':
      if (n === 3) {
        e.cronPaused = a[2] !== '0';
        return c.w.ok();
      }
      break;
    case 'set-skip-checksum-validation':
      if (n === 3) {
        // atoi, as redis-server reads it: what is not a number is 0.
        e.skipChecksum = (Number.parseInt(a[2] as string, 10) || 0) !== 0;
        return c.w.ok();
      }
      break;
    case 'set-disable-deny-scripts':
      if (n === 3) {
        // atoi, as redis-server reads it.
        e.disableDenyScripts = (Number.parseInt(a[2] as string, 10) || 0) !== 0;
        return c.w.ok();
      }
      break;
    case 'log':
    case 'aof-flush-sleep':
    case 'leak':
      if (n === 3) return c.w.ok();
      break;
    case 'change-repl-id':
      if (n === 2) {
        changeReplId(e);
        return c.w.ok();
      }
      break;
    case 'config-rewrite-force-all':
      if (n === 2) return configRewrite(e, true, 'ERR CONFIG-REWRITE-FORCE-ALL failed: ', () => c.w.ok());
      break;
    case 'client-eviction':
      if (n === 2) {
        const table = clientEvictionBuckets(e);
        if (table === null) fail('ERR maxmemory-clients is disabled.');
        return c.w.verbatim(table);
      }
      break;
    case 'structsize':
      // The sizes of a 64-bit redis-server's structures, which DEBUG SDSLEN and HTSTATS model.
      if (n === 2) return c.w.bulk('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ');
      break;
    case 'stringmatch-test':
      if (n === 2) return c.w.simple('Apparently Redis did not crash: test passed');
      break;
    case 'replybuffer':
      if (n === 4) {
        const what = (a[2] as string).toLowerCase();
        const v = a[3] as string;
        const settings = c.engine.replyBuffers;
        if (what === 'peak-reset-time') {
          if (is(v, 'never')) settings.peakResetMs = -1;
          else if (is(v, 'reset')) settings.peakResetMs = DEFAULT_PEAK_RESET_MS;
          else settings.peakResetMs = parseIntArg(v);
          return c.w.ok();
        }
        // atoi: anything not starting with a non-zero number turns resizing off.
        if (what === 'resizing') {
          settings.resizing = (Number.parseInt(v, 10) || 0) !== 0;
          return c.w.ok();
        }
      }
      break;
  }
  wrongArgs(subArg);
}

export const debugSpec: CommandSpec = {
  name: 'debug',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  handler: debugCommand,
};
