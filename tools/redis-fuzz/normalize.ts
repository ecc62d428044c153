// What may legitimately differ between two correct servers is rewritten before replies are
// compared: random picks become sizes, hash-ordered collections become sorted sets, clocks and ids
// become placeholders. Everything else is compared byte for byte.
import { decodeDump } from '../../engines/redis/rdb/dump.ts';
import { aclLog, debugObject, infoText, latencyHistogram, memoryRange, namesOnly, streamFullTimes } from './normalize-wide.ts';
import { render, type Frame } from './reply.ts';

const upper = (s: string | undefined): string => (s ?? '').toUpperCase();
const token = (text: string): Frame => ({ type: '+', text });
const isCollection = (f: Frame): boolean => f.items !== undefined;

function sorted(f: Frame): Frame {
  if (!f.items) return f;
  return { ...f, items: f.items.slice().sort((a, b) => (render(a) < render(b) ? -1 : render(a) > render(b) ? 1 : 0)) };
}

/** Pairs (flat field/value arrays or RESP3 maps) sorted by their rendering. */
function sortedPairs(f: Frame): Frame {
  if (!f.items) return f;
  const pairs: Frame[][] = [];
  for (let i = 0; i + 1 < f.items.length; i += 2) pairs.push([f.items[i] as Frame, f.items[i + 1] as Frame]);
  const key = (p: Frame[]): string => p.map(render).join('\u0000');
  pairs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { ...f, items: pairs.flat() };
}

/** A reply whose content is a random pick: only its type and size are compared. */
function sizeOnly(f: Frame): Frame {
  if (f.items) return { type: f.type, text: `size ${f.items.length}`, items: [] };
  if (f.type === '$' && f.text !== null) return token('<some member>');
  return f;
}

/** Sorts the collection that follows each `name` key at any depth (or, for COMMAND INFO, every array of command entries). */
function sortUnder(f: Frame, name: string, commandInfo = false): Frame {
  if (!f.items) return f;
  let items = f.items.map((x) => sortUnder(x, name, commandInfo));
  for (let i = 0; i + 1 < items.length; i++) {
    const k = items[i] as Frame;
    const v = items[i + 1] as Frame;
    if (k.text === name && v.items) items[i + 1] = v.type === '%' || (v.items[0]?.items === undefined && name === 'subcommands') ? sortedPairs(v) : sorted(v);
  }
  // COMMAND INFO lists a container's subcommands as its 10th field, an array of command entries.
  if (commandInfo && f.items.length === 10 && items[9]?.items) items = [...items.slice(0, 9), sorted(items[9] as Frame)];
  return { ...f, items };
}

function replacePairValue(f: Frame, names: Set<string>): Frame {
  if (!f.items) return f;
  const items = f.items.map((x) => replacePairValue(x, names));
  for (let i = 0; i + 1 < items.length; i++) {
    const k = items[i] as Frame;
    if ((k.type === '$' || k.type === '+') && k.text !== null && names.has(k.text) && !isCollection(items[i + 1] as Frame)) items[i + 1] = token('<time or id>');
  }
  return { ...f, items };
}

const SET_REPLIES = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'KEYS', 'SPOP']);
const RANDOM_PICKS = new Set(['SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER', 'RANDOMKEY']);
const TTLS = new Set(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']);
const CLIENT_INFO_FIELDS = ['name', 'db', 'sub', 'psub', 'ssub', 'multi', 'flags', 'cmd', 'user', 'resp'];

const CLOCKS = new Set(['TIME', 'LASTSAVE']);

/** A CLIENT INFO/LIST line with only the fields that do not depend on ids, addresses and clocks. */
function keepFields(line: string): string {
  return line
    .split(' ')
    .filter((kv) => CLIENT_INFO_FIELDS.includes(kv.split('=')[0] as string))
    .join(' ');
}

const ADDRESS = /\b(table|function|userdata|thread): 0x[0-9a-f]+/g;
function withoutAddresses(f: Frame): Frame {
  if (f.items) return { ...f, items: f.items.map(withoutAddresses) };
  return f.text ? { ...f, text: f.text.replace(ADDRESS, '$1: <address>') } : f;
}

/** The normalised reply of one command (not EXEC: see normalizeExec). */
export function normalize(cmd: readonly string[], f: Frame): Frame {
  if (f.type === '-' || f.type === '!') return f;
  const name = upper(cmd[0]);
  const sub = upper(cmd[1]);
  if (SET_REPLIES.has(name)) return sorted(f);
  if (CLOCKS.has(name) || (name === 'CLIENT' && sub === 'ID')) return f.type === ':' || f.items ? token('<clock or id>') : f;
  // Dict order: the command table, categories' commands, channels.
  if ((name === 'COMMAND' && sub === 'LIST') || (name === 'ACL' && sub === 'CAT') || (name === 'PUBSUB' && (sub === 'CHANNELS' || sub === 'SHARDCHANNELS'))) return sorted(f);
  if (name === 'CLIENT' && sub === 'LIST' && f.text !== null) {
    const lines = f.text.trim().split('\n').map((l) => keepFields(l.trim()));
    return { ...f, text: lines.sort().join('\n') };
  }
  // A page from a cursor other than 0 (a mutated step) depends on hash-table buckets; walks from 0 are compared in session.ts.
  if (/^[HSZ]?SCAN$/.test(name) && f.items?.length === 2 && f.items[0]?.text !== 'walked') return token('<scan page>');
  if (RANDOM_PICKS.has(name)) return sizeOnly(f);
  if (TTLS.has(name) && f.type === ':' && Number(f.text) > 0) return token('<positive>');
  // A hash once converted to a dict stays one even when small again, so order is never compared.
  if (name === 'CONFIG' && sub === 'GET') return sortedPairs(processConfig(f));
  if (name === 'HGETALL' || name === 'CONFIG') return sortedPairs(f);
  if (name === 'HKEYS' || name === 'HVALS') return sorted(f);
  if (name === 'OBJECT' && (sub === 'IDLETIME' || sub === 'FREQ') && f.type === ':') return token('<integer>');
  if (name === 'HELLO') return replacePairValue(f, new Set(['id', 'version']));
  if (name === 'XINFO' && upper(cmd[3]) === 'FULL') return streamFullTimes(normalizeStreamTimes(name, f));
  if (name === 'XINFO' || name === 'XPENDING') return normalizeStreamTimes(name, f);
  const wide = normalizeWide(name, sub, f);
  if (wide !== null) return wide;
  // Libraries, and the functions in each, are dicts.
  if (name === 'FUNCTION' && sub === 'LIST') return sorted(sortUnder(f, 'functions'));
  // The payload lists libraries in dict order.
  if (name === 'FUNCTION' && sub === 'DUMP' && f.type === '$' && f.text !== null) return token(`<function dump of ${f.text.length} bytes>`);
  if (name === 'COMMAND' && (sub === 'DOCS' || sub === 'INFO')) {
    const inner = sortUnder(f, 'subcommands', sub === 'INFO');
    // Without names, all commands come in the command table's hash order.
    return cmd.length > 2 ? inner : sub === 'DOCS' ? sortedPairs(inner) : sorted(inner);
  }
  // A redirect names a client id, which each server numbers its own way.
  if (name === 'CLIENT' && sub === 'GETREDIR' && f.type === ':' && Number(f.text) > 0) return token('<client id>');
  if (name === 'CLIENT' && sub === 'TRACKINGINFO' && f.items) return { ...f, items: f.items.map((x, i) => (i > 0 && f.items?.[i - 1]?.text === 'redirect' && x.type === ':' && Number(x.text) > 0 ? token('<client id>') : x)) };
  if (name === 'CLIENT' && sub === 'INFO' && f.text !== null) return { ...f, text: keepFields(f.text.trim()) };
  if (name === 'DUMP' && f.type === '$' && f.text !== null) {
    // Types 2 (set) and 4 (hash) are dicts, serialised in the process's hash order.
    const t = f.text.charCodeAt(0);
    if (t === 2 || t === 4) return token(`<dict dump type ${t} of ${f.text.length} bytes>`);
    // A listpack hash loaded from a hashtable one (DEBUG RELOAD, RESTORE) keeps the order the dict was
    // saved in (seed 74528): its pairs are compared as a set, its bytes not at all (LZF sizes follow the order).
    if (t === 16) return listpackHashDump(f.text);
  }
  if ((name === 'EVAL' || name === 'EVAL_RO') && /SMEMBERS|HGETALL/.test(cmd[1] ?? '')) return sorted(f);
  // tostring of a table or function shows its address.
  if (/^(EVAL|EVAL_RO|EVALSHA|EVALSHA_RO|FCALL|FCALL_RO)$/.test(name)) return withoutAddresses(f);
  // With LIMIT the dict's order also picks which elements are in the page (seed 109476): its size only.
  if ((name === 'SORT' || name === 'SORT_RO') && f.items && sortFollowsDict(cmd)) return cmd.some((w) => upper(w) === 'LIMIT') ? sizeOnly(f) : sorted(f);
  if (name === 'ACL' && sub === 'GETUSER') return aclCommandsUnder(f);
  if (name === 'ACL' && sub === 'LIST' && f.items) return { ...f, items: f.items.map((l) => (l.text === null ? l : { ...l, text: aclListLine(l.text) })) };
  return f;
}

function htElements(text: string): string {
  const heads = text.split('\n').filter((l) => /^\[|^Hash table 0 stats/.test(l));
  let n = 0;
  for (const m of text.matchAll(/number of elements: (\d+)/g)) n += Number(m[1]);
  return [...heads, `elements: ${n}`].join('\n');
}

// Each server's own process: where it listens, writes and logs, and how it was started.
const PROCESS_CONFIG = new Set(['port', 'dir', 'pidfile', 'logfile', 'daemonize', 'enable-debug-command']);

function processConfig(f: Frame): Frame {
  if (!f.items) return f;
  return { ...f, items: f.items.map((x, i) => (i % 2 === 1 && PROCESS_CONFIG.has(f.items?.[i - 1]?.text ?? '') ? token('<this process>') : x)) };
}

/** The introspection of families-wide.ts; null for any other command. */
function normalizeWide(name: string, sub: string, f: Frame): Frame | null {
  const text = f.text ?? '';
  if (name === 'INFO' && (f.type === '$' || f.type === '=')) return { ...f, text: infoText(text) };
  if (name === 'DEBUG' && sub === 'OBJECT' && f.type === '+') return { ...f, text: debugObject(text) };
  // Holds every key's expiry time, which each server computed from its own clock.
  if (name === 'DEBUG' && sub === 'DIGEST' && f.type !== '-' && !/^0+$/.test(text)) return token('<digest of a non-empty keyspace>');
  // Which slots the elements fall in follows the hash function's seed, drawn at start-up.
  // redis-server rehashes step by step (a second table while it does); ours at once: only the element count is shared.
  if (name === 'DEBUG' && (sub === 'HTSTATS-KEY' || sub === 'HTSTATS') && f.type !== '-') return { ...f, text: htElements(text) };
  if (name === 'MEMORY' && sub === 'USAGE' && f.type === ':') return token(memoryRange(Number(text)));
  if (name === 'MEMORY' && sub === 'STATS') return namesOnly(f);
  if (name === 'MEMORY' && (sub === 'DOCTOR' || sub === 'MALLOC-STATS')) return token(`<${f.type} text>`);
  if (name === 'ACL' && sub === 'GENPASS' && f.type === '$') return token(`<password of ${text.length} hex digits>`);
  if (name === 'ACL' && sub === 'LOG') return aclLog(f);
  if (name === 'LATENCY' && sub === 'HISTOGRAM') return latencyHistogram(f);
  return null;
}

/**
 * ACL rule texts name single commands after the categories in the order of redis-server's command
 * dict, which is hashed with a seed drawn at start-up: each run of such rules is compared sorted.
 */
function aclRules(text: string): string {
  const out: string[] = [];
  let run: string[] = [];
  for (const t of text.split(' ')) {
    if (/^[+-][^@]/.test(t)) run.push(t);
    else {
      out.push(...run.sort(), t);
      run = [];
    }
  }
  return [...out, ...run.sort()].join(' ');
}

/**
 * Whether SORT's reply order can hang on the order it read the elements in: equal weights (ALPHA BY
 * a pattern keeps them as read) or no sorting at all (BY a constant). A set or sorted set is read in
 * its dict's order, which a seed drawn at start-up decides. Only a list's order is its own, but a
 * key's name does not say its type (the list pool's l1 is a set when SADD drew it from all keys,
 * seed 22406), so any key's reply is compared as a multiset; a list's order under BY a constant is
 * checked by the deterministic tests (differential.test.ts).
 */
function sortFollowsDict(cmd: readonly string[]): boolean {
  let alpha = false;
  let by: string | null = null;
  for (let i = 2; i < cmd.length; i++) {
    const w = upper(cmd[i]);
    if (w === 'ALPHA') alpha = true;
    else if (w === 'BY') by = cmd[++i] ?? null;
    else if (w === 'LIMIT') i += 2;
    else if (w === 'GET' || w === 'STORE') i++;
  }
  return by !== null && (alpha || !by.includes('*'));
}

/** ACL LIST lines: the user's own rules, and each selector's in parentheses. */
function aclListLine(line: string): string {
  const cut = line.indexOf(' (');
  const head = cut < 0 ? line : line.slice(0, cut);
  const selectors = cut < 0 ? '' : line.slice(cut).replace(/\(([^)]*)\)/g, (_, inner: string) => `(${aclRules(inner)})`);
  return aclRules(head) + selectors;
}

/** ACL GETUSER: every `commands` value, the user's and each selector's. */
function aclCommandsUnder(f: Frame): Frame {
  if (!f.items) return f;
  const items = f.items.map(aclCommandsUnder);
  for (let i = 0; i + 1 < items.length; i++) {
    const v = items[i + 1] as Frame;
    if (items[i]?.text === 'commands' && v.type === '$' && v.text !== null) items[i + 1] = { ...v, text: aclRules(v.text) };
  }
  return { ...f, items };
}

function normalizeStreamTimes(name: string, f: Frame): Frame {
  if (name === 'XINFO') return replacePairValue(f, new Set(['idle', 'inactive', 'seen-time', 'active-time']));
  // XPENDING's extended form: [id, consumer, idle ms, deliveries] per entry.
  if (!f.items) return f;
  return {
    ...f,
    items: f.items.map((e) => (e.items && e.items.length === 4 && e.items[2]?.type === ':' ? { ...e, items: [e.items[0] as Frame, e.items[1] as Frame, token('<idle>'), e.items[3] as Frame] } : e)),
  };
}

/** A message a subscribed client received: in RESP2 it is written into the reply being built. */
function isDelivery(f: Frame): boolean {
  const kind = f.items?.[0];
  if (kind?.type !== '$' || (f.items?.length ?? 0) < 3) return false;
  return kind.text === 'message' || kind.text === 'pmessage' || kind.text === 'smessage';
}

/**
 * EXEC's array holds the queued commands' replies, each normalised as that command. A RESP2 client
 * that SUBSCRIBEd inside the transaction gets a PUBLISH's message in the middle of that array (the
 * header counts only the replies, seed 78140): such an item answers no command and is passed over.
 */
export function normalizeExec(queued: readonly (readonly string[])[], f: Frame): Frame {
  if (!f.items || f.items.length !== queued.length) return f;
  let next = 0;
  const items = f.items.map((item) => {
    const cmd = queued[next];
    const subscribing = /^(P|S)?(UN)?SUBSCRIBE$/.test(upper(cmd?.[0]));
    if (cmd === undefined || (isDelivery(item) && !subscribing)) return item;
    next++;
    return normalize(cmd as string[], item);
  });
  return { ...f, items };
}

function listpackHashDump(payload: string): Frame {
  try {
    const v = decodeDump(Buffer.from(payload, 'latin1')).value;
    if (v.type !== 'hash') return token('<listpack hash dump that is no hash>');
    const pairs = v.fields.map(([k, x]) => `${k.toString('latin1')}=${x.toString('latin1')}`).sort();
    return token(`<listpack hash dump of ${pairs.length} fields: ${pairs.join(' ')}>`);
  } catch (err) {
    return token(`<listpack hash dump that does not decode: ${err instanceof Error ? err.message : String(err)}>`);
  }
}
