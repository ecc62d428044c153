// The `docs` family (session 28): commands drawn from redis-server's own COMMAND DOCS and COMMAND INFO,
// the way a fuzzer written by someone else would make them: every 7.0 command and subcommand the
// harness can run, its arguments built from their declared types (integer, double, key, string,
// pattern, unix-time, pure-token, oneof, block; optional, multiple, multiple_token) with edge values,
// tokens sometimes in lower case, and a share of arities and arguments broken on purpose. Its weight
// is 0: a run reaches it only with `--families docs`, and cli.ts loads the specs from redis-server
// first (loadDocs), so the table is 7.0.15's and never written out by hand.
import { pick } from '../../test/engines/redis/random.ts';
import type { Frame } from './reply.ts';
import { float, ttl, ttlMs, unixTime, value, type Rnd } from './values.ts';

interface ArgSpec {
  name: string;
  type: string;
  token: string | null;
  optional: boolean;
  multiple: boolean;
  multipleToken: boolean;
  children: ArgSpec[];
}

interface CmdSpec {
  /** The command and, for a container's subcommand, the subcommand ('CONFIG', 'GET'). */
  words: string[];
  args: ArgSpec[];
}

let specs: CmdSpec[] = [];

// Left out: commands that end or change the session (QUIT, RESET, HELLO, AUTH, MONITOR, SUBSCRIBE and
// its kin, CLIENT, MULTI), wait for what never comes (WAIT, SYNC), touch the process or its peers
// (SHUTDOWN, REPLICAOF, FAILOVER, MIGRATE, DEBUG, MODULE, SAVE), differ by design or by clock (COMMAND
// without names, INFO, TIME, LOLWUT, SLOWLOG, LATENCY, MEMORY, CONFIG SET/REWRITE/RESETSTAT), change
// users (ACL SETUSER/DELUSER/LOAD/SAVE), pick at random by count (SPOP), or go through the cluster.
const SKIP = new Set([
  'QUIT', 'RESET', 'HELLO', 'AUTH', 'MONITOR', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE',
  'SUNSUBSCRIBE', 'CLIENT', 'MULTI', 'EXEC', 'DISCARD', 'WAIT', 'SYNC', 'PSYNC', 'SHUTDOWN', 'REPLICAOF', 'SLAVEOF',
  'FAILOVER', 'MIGRATE', 'DEBUG', 'MODULE', 'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'COMMAND', 'INFO', 'TIME', 'LASTSAVE',
  'LOLWUT', 'SLOWLOG', 'LATENCY', 'MEMORY', 'CONFIG SET', 'CONFIG REWRITE', 'CONFIG RESETSTAT', 'ACL SETUSER',
  'ACL DELUSER', 'ACL LOAD', 'ACL SAVE', 'ACL LOG', 'SPOP', 'CLUSTER', 'ASKING', 'READONLY', 'READWRITE', 'RESTORE-ASKING',
  'REPLCONF', 'PFSELFTEST', 'PFDEBUG', 'SCRIPT DEBUG', 'OBJECT FREQ', 'OBJECT IDLETIME',
]);

/** Field/value list (RESP2 flat array or RESP3 map) as a record. */
function fields(f: Frame | undefined): Record<string, Frame> {
  const out: Record<string, Frame> = {};
  const items = f?.items ?? [];
  for (let i = 0; i + 1 < items.length; i += 2) out[items[i]?.text ?? ''] = items[i + 1] as Frame;
  return out;
}

function argSpec(f: Frame): ArgSpec {
  const m = fields(f);
  const flags = (m.flags?.items ?? []).map((x) => x.text ?? '');
  return {
    name: m.name?.text ?? '',
    type: m.type?.text ?? 'string',
    token: m.token?.text ?? null,
    optional: flags.includes('optional'),
    multiple: flags.includes('multiple'),
    multipleToken: flags.includes('multiple_token'),
    children: (m.arguments?.items ?? []).map(argSpec),
  };
}

/**
 * Reads COMMAND DOCS and COMMAND INFO from redis-server (a RESP2 connection's replies) and keeps the
 * commands the harness can send. Blocking commands are kept only where blocking is an option (XREAD,
 * XREADGROUP: their BLOCK is dropped when drawn).
 */
export function loadDocs(docs: Frame, info: Frame): void {
  const blocking = new Set<string>();
  for (const c of info.items ?? []) {
    const flags = (c.items?.[2]?.items ?? []).map((x) => x.text ?? '');
    if (flags.includes('blocking')) blocking.add((c.items?.[0]?.text ?? '').toUpperCase());
  }
  const out: CmdSpec[] = [];
  const add = (words: string[], doc: Frame): void => {
    const name = words.join(' ');
    if (SKIP.has(name) || SKIP.has(words[0] as string)) return;
    if (blocking.has(words[0] as string) && !/^XREAD/.test(name)) return;
    const m = fields(doc);
    const subs = fields(m.subcommands);
    if (Object.keys(subs).length > 0) {
      for (const [sub, d] of Object.entries(subs)) add([words[0] as string, (sub.split('|')[1] ?? '').toUpperCase()], d);
      return;
    }
    out.push({ words, args: (m.arguments?.items ?? []).map(argSpec) });
  };
  for (const [name, doc] of Object.entries(fields(docs))) add([name.toUpperCase()], doc);
  specs = out.sort((a, b) => (a.words.join(' ') < b.words.join(' ') ? -1 : 1));
}

export function docsLoaded(): boolean {
  return specs.length > 0;
}

// Keys shared across types (so WRONGTYPE comes up everywhere), one binary, one empty.
const KEYS = ['k1', 'k2', 'k3', 's1', 'l1', 'h1', 'S1', 'z1', 'x1', 'g1', 'p1', '', 'a\x00b'];
// No count that makes redis-server build a string or reply of gigabytes, nor -2^63+1 as a count.
const INTS = ['0', '1', '2', '3', '-1', '-2', '5', '10', '100', '-100', '', ' 1', '1 ', '+1', '01', '-0', '0x10', '1.0', '1e3', 'x', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '4294967296', '99999999999999999999', '1.5', '00', '\t1', '18446744073709551615', '+0', 'inf', '-inf', 'nan'];
const TIMED = /^(SET|SETEX|PSETEX|GETEX|EXPIRE|PEXPIRE|RESTORE)$/;
const PATTERNS = ['*', 'k*', '*1', '?1', '[a-z]*', '[', '\\', 'h[^x]?', '', 'a\x00*', '**', '[!-]*'];
const WORDS = ['a', 'b', '1', '0', '-1', 'f1', 'm1', 'g1', 'c1', '0-1', '1-1', '$', '>', '-', '+', '[a', '(1', 'return 1', 'LIMIT', 'COUNT', 'x'];

function text(r: Rnd): string {
  return r() < 0.4 ? pick(r, WORDS) : value(r);
}

/** An argument's value by its declared type and name (expiries come from values.ts: never small and positive). */
function leaf(r: Rnd, a: ArgSpec): string[] {
  switch (a.type) {
    case 'key':
      return [pick(r, KEYS)];
    case 'pattern':
      return [pick(r, PATTERNS)];
    case 'unix-time':
      return [unixTime(r)];
    case 'double':
      return [r() < 0.3 ? pick(r, INTS) : float(r)];
    case 'integer':
      if (/^(seconds|ttl)$/.test(a.name)) return [ttl(r)];
      if (/milliseconds/.test(a.name)) return [ttlMs(r)];
      return [pick(r, INTS)];
    case 'pure-token':
      return [];
    default:
      return [text(r)];
  }
}

// redis-server compares option words with strcasecmp, so a token followed by a NUL byte is still the
// token there ('NX\0x'); a few get such a tail (session 28's finding).
function token(r: Rnd, t: string): string {
  const x = r();
  return x < 0.15 ? t.toLowerCase() : x < 0.18 ? `${t}\0${pick(r, ['', 'x'])}` : t;
}

function arg(r: Rnd, a: ArgSpec, out: string[]): void {
  if (a.optional && r() < 0.5) return;
  const times = a.multiple ? 1 + Math.floor(r() * (r() < 0.2 ? 4 : 2)) : 1;
  for (let i = 0; i < times; i++) {
    if (a.token !== null && (i === 0 || a.multipleToken)) out.push(token(r, a.token));
    if (a.type === 'oneof') arg(r, { ...pick(r, a.children), optional: false }, out);
    else if (a.type === 'block') for (const c of a.children) arg(r, c, out);
    else out.push(...leaf(r, a));
  }
}

/** One command from the specs, sometimes broken: an argument dropped, added or replaced by an odd one. */
export function docsCommand(r: Rnd): string[] {
  if (specs.length === 0) throw new Error('docs family: specs not loaded (cli.ts loads them from redis-server)');
  const s = pick(r, specs);
  const out = [...s.words.map((w, i) => (i === 0 && r() < 0.1 ? w.toLowerCase() : w))];
  for (const a of s.args) arg(r, a, out);
  const x = r();
  const first = s.words.length;
  if (x < 0.06 && out.length > first) out.pop();
  else if (x < 0.12) out.push(pick(r, [...WORDS, ...INTS]));
  else if (x < 0.2 && out.length > first) {
    // A relative expiry must never become small and positive (it would fire between steps, at a
    // moment of each server's own: docs seed 203622, PSETEX k 1): those commands get no such number.
    const odd = TIMED.test(s.words[0] as string) ? ['-1', 'x', '', '1.5', '\xff\xfe'] : [...INTS, '', '\xff\xfe', 'x'.repeat(70)];
    out[first + Math.floor(r() * (out.length - first))] = pick(r, odd);
  }
  // XADD's `*` (and `*\0x`, the same to redis-server) makes an ID of the clock; an explicit sequence part keeps it the same on both.
  if (/^XADD$/i.test(out[0] as string)) for (let i = 2; i < out.length; i++) if (/^\*(\0|$)/.test(out[i] as string)) out[i] = '9-*';
  // XREAD/XREADGROUP with BLOCK would wait; a BLOCK left in by a broken argument is dropped with its value.
  const b = out.findIndex((w, i) => i > 0 && w.toUpperCase() === 'BLOCK');
  if (b > 0 && /^XREAD/i.test(out[0] as string)) out.splice(b, 2);
  return out;
}
