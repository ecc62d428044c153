// Regenerates engines/redis/command-docs.json: the metadata redis-server 7.0 publishes through
// COMMAND INFO and COMMAND DOCS (flags, ACL categories, tips, key specs, summaries, arguments,
// history), kept only for the commands our engine implements. Facts, queried live, never by hand:
//   node bin/run-ts.mjs scripts/gen-command-docs.ts [redis-server-port]
// Without a port it starts /usr/bin/redis-server on a free port and stops it afterwards.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { allGroups } from '../engines/redis/commands/index.ts';
import type { CommandMeta, DocValue, KeySpec } from '../engines/redis/commands/command-meta.ts';

type R3 =
  | { t: 'str'; v: string }
  | { t: 'simple'; v: string }
  | { t: 'int'; v: number }
  | { t: 'null' }
  | { t: 'err'; v: string }
  | { t: 'arr' | 'set'; v: R3[] }
  | { t: 'map'; v: [R3, R3][] };

/** Just enough of a RESP3 reader for COMMAND's replies; returns the value and the next offset. */
function parse(b: Buffer, p: number): [R3, number] | null {
  const nl = b.indexOf('\r\n', p);
  if (nl < 0) return null;
  const type = String.fromCharCode(b[p] as number);
  const line = b.toString('latin1', p + 1, nl);
  let q = nl + 2;
  switch (type) {
    case '+':
      return [{ t: 'simple', v: line }, q];
    case '-':
      return [{ t: 'err', v: line }, q];
    case ':':
      return [{ t: 'int', v: Number(line) }, q];
    case '_':
      return [{ t: 'null' }, q];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [{ t: 'null' }, q];
      if (q + n + 2 > b.length) return null;
      return [{ t: 'str', v: b.toString('utf8', q + (type === '=' ? 4 : 0), q + n) }, q + n + 2];
    }
    case '*':
    case '~':
    case '%': {
      const n = Number(line);
      const items: R3[] = [];
      for (let i = 0; i < (type === '%' ? 2 * n : n); i++) {
        const r = parse(b, q);
        if (r === null) return null;
        items.push(r[0]);
        q = r[1];
      }
      if (type !== '%') return [{ t: type === '*' ? 'arr' : 'set', v: items }, q];
      const pairs: [R3, R3][] = [];
      for (let i = 0; i < items.length; i += 2) pairs.push([items[i] as R3, items[i + 1] as R3]);
      return [{ t: 'map', v: pairs }, q];
    }
    default:
      throw new Error(`unexpected RESP3 type ${type}`);
  }
}

async function query(port: number, commands: string[][]): Promise<R3[]> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const replies: R3[] = [];
  let buf = Buffer.alloc(0);
  const want = commands.length + 1;
  const done = new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (r === null) break;
        replies.push(r[0]);
        buf = buf.subarray(r[1]);
      }
      if (replies.length >= want) resolve();
    });
    sock.once('error', reject);
  });
  const enc = (args: string[]): string => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  sock.write(enc(['HELLO', '3']) + commands.map(enc).join(''));
  await done;
  sock.destroy();
  return replies.slice(1);
}

const str = (r: R3): string => {
  if (r.t !== 'str' && r.t !== 'simple') throw new Error(`expected a string, got ${r.t}`);
  return r.v;
};
const int = (r: R3): number => {
  if (r.t !== 'int') throw new Error(`expected an integer, got ${r.t}`);
  return r.v;
};
const list = (r: R3): R3[] => {
  if (r.t !== 'arr' && r.t !== 'set') throw new Error(`expected an aggregate, got ${r.t}`);
  return r.v;
};
const pairs = (r: R3): [R3, R3][] => {
  if (r.t !== 'map') throw new Error(`expected a map, got ${r.t}`);
  return r.v;
};

/** A docs/key-spec value in the JSON form the engine replays (see command-meta.ts for the typing). */
function docValue(key: string, r: R3): DocValue {
  if (r.t === 'int') return r.v;
  if (r.t === 'str' || r.t === 'simple') return r.v;
  if (r.t === 'map') return Object.fromEntries(r.v.map(([k, v]) => [str(k), docValue(str(k), v)]));
  if (key === 'history') return list(r).map((h) => list(h).map(str));
  if (r.t === 'set') return r.v.map(str);
  return list(r).map((x) => docValue('', x));
}

function infoOf(r: R3): Omit<CommandMeta, 'docs'> {
  const f = list(r);
  return {
    arity: int(f[1] as R3),
    flags: list(f[2] as R3).map(str),
    first: int(f[3] as R3),
    last: int(f[4] as R3),
    step: int(f[5] as R3),
    acl: list(f[6] as R3).map(str),
    tips: list(f[7] as R3).map(str),
    keySpecs: list(f[8] as R3).map((s) => docValue('', s) as unknown as KeySpec),
  };
}

async function main(): Promise<void> {
  let port = Number(process.argv[2] ?? 0);
  let stop = (): void => undefined;
  if (!port) {
    port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('Ready to accept') && resolve()));
    stop = () => void child.kill('SIGKILL');
  }
  try {
    const names: string[] = [];
    for (const group of allGroups()) {
      for (const d of group) {
        names.push(d.fullName);
        for (const s of d.subcommands?.values() ?? []) names.push(s.fullName);
      }
    }
    const infos = await query(port, names.map((n) => ['COMMAND', 'INFO', n]));
    const docs = await query(port, names.map((n) => ['COMMAND', 'DOCS', n]));
    const out: Record<string, CommandMeta> = {};
    const missing: string[] = [];
    names.forEach((name, i) => {
      const info = list(infos[i] as R3)[0] as R3;
      const doc = pairs(docs[i] as R3)[0];
      if (info.t === 'null' || doc === undefined) return void missing.push(name);
      const body = docValue('', doc[1]) as Record<string, DocValue>;
      // Subcommands are listed from our own table at reply time, so only the implemented ones show.
      delete body.subcommands;
      out[name] = { ...infoOf(info), docs: body };
    });
    const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
    const version = await query(port, [['INFO', 'server']]);
    const v = /redis_version:(\S+)/.exec(str(version[0] as R3))?.[1];
    const file = new URL('../engines/redis/command-docs.json', import.meta.url);
    writeFileSync(file, JSON.stringify({ source: `redis-server ${v}`, commands: sorted }, null, 0).replace(/\},"/g, '},\n"') + '\n');
    console.log(`${Object.keys(sorted).length} commands written; not in redis-server: ${missing.join(' ') || 'none'}`);
  } finally {
    stop();
  }
}

await main();
