// The dispatcher's own arity, flags and ACL categories (not only what COMMAND INFO prints) are
// redis-server 7.0's, for every command we implement; and the behaviour they drive matches it:
// every command Redis refuses inside scripts is refused from EVAL with the same error, the ones it
// allows run, ACL CAT lists the same commands, and categories decide permissions as in Redis.
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { allGroups } from '../../../engines/redis/commands/index.ts';
import type { CommandDef } from '../../../engines/redis/command-table.ts';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type InfoEntry = [string, number, string[], number, number, number, string[], string[], unknown[], InfoEntry[]];

function implemented(): CommandDef[] {
  const out: CommandDef[] = [];
  for (const g of allGroups()) for (const d of g) out.push(d, ...(d.subcommands?.values() ?? []));
  return out;
}

/** A call of `fullName` with just enough placeholder arguments to pass its arity check. */
function padded(fullName: string, arity: number): string[] {
  const args = fullName.split('|');
  while (args.length < Math.abs(arity)) args.push('x');
  return args;
}

describe.skipIf(!available)('command flags, arity and ACL categories as redis-server 7.0', () => {
  const pair = serverPair();
  const published = new Map<string, InfoEntry>();

  beforeAll(async () => {
    const r = new Redis(pair.real.port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    const all = (await r.call('COMMAND')) as InfoEntry[];
    await r.quit();
    for (const e of all) {
      published.set(e[0], e);
      for (const s of e[9]) published.set(s[0], s);
    }
  });

  it('every implemented command has the arity, flags and ACL categories redis-server reports', () => {
    const diffs: string[] = [];
    for (const d of implemented()) {
      const e = published.get(d.fullName);
      if (e === undefined) continue; // newer than 7.0 (CLIENT SETINFO, CLIENT NO-TOUCH)
      if (d.arity !== e[1]) diffs.push(`${d.fullName} arity ${d.arity} != ${e[1]}`);
      if ([...d.flags].sort().join() !== [...e[2]].sort().join()) diffs.push(`${d.fullName} flags ${d.flags} != ${e[2]}`);
      if ([...d.categories].sort().join() !== [...e[6]].sort().join()) diffs.push(`${d.fullName} acl ${d.categories} != ${e[6]}`);
    }
    expect(diffs).toEqual([]);
  });

  it('each noscript command called from a script gets the same reply; commands Redis allows run', async () => {
    const calls: string[][] = [];
    for (const d of implemented()) {
      const e = published.get(d.fullName);
      if (e === undefined || !e[2].includes('noscript')) continue;
      calls.push(['EVAL', 'return redis.pcall(unpack(ARGV))', '0', ...padded(d.fullName, e[1])]);
    }
    expect(calls.length).toBeGreaterThan(60);
    // Allowed in scripts though blocking or inside a noscript container: they run, without blocking.
    calls.push(
      ['EVAL', "return redis.call('BLMPOP', '0', '1', 'l', 'LEFT')", '0'],
      ['EVAL', "return redis.call('BZMPOP', '0', '1', 'z', 'MIN')", '0'],
      ['EVAL', "redis.call('RPUSH', 'l', 'a') return redis.call('BLMPOP', '0', '1', 'l', 'LEFT')", '0'],
      ['EVAL', "return #redis.call('CLIENT', 'HELP') > 0", '0'],
      ['EVAL', "return #redis.call('SCRIPT', 'HELP') > 0", '0'],
      ['EVAL', "return #redis.call('FUNCTION', 'HELP') > 0", '0'],
      ['EVAL', "return #redis.call('OBJECT', 'HELP') > 0", '0'],
      ['EVAL', "return redis.pcall('ZRANK', 'z', 'm', 'WITHSCORE')", '0'],
    );
    const diffs = (await differential(pair.ours.port, pair.real.port, calls)).filter((r) => r.ours !== r.real);
    expect(diffs).toEqual([]);
  });

  it('ACL CAT of every category lists the same implemented commands', async () => {
    const names = new Set(implemented().map((d) => d.fullName));
    const a = new Redis(pair.ours.port, '127.0.0.1');
    const b = new Redis(pair.real.port, '127.0.0.1');
    try {
      const cats = (await b.call('ACL', 'CAT')) as string[];
      expect(((await a.call('ACL', 'CAT')) as string[]).sort()).toEqual([...cats].sort());
      for (const cat of cats) {
        // CLIENT SETINFO and NO-TOUCH are newer than 7.0: only ours can list them.
        const x = ((await a.call('ACL', 'CAT', cat)) as string[]).filter((n) => published.has(n)).sort();
        const y = ((await b.call('ACL', 'CAT', cat)) as string[]).filter((n) => names.has(n)).sort();
        expect({ cat, commands: x }).toEqual({ cat, commands: y });
      }
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('MULTI queues what 7.0 does not flag no_multi (MONITOR then fails in EXEC) and refuses what it does', async () => {
    const replies = await differential(pair.ours.port, pair.real.port, script('MULTI\nMONITOR\nEXEC\nPING\nMULTI\nSAVE\nSYNC\nDISCARD\nMULTI\nRESET\nPING'));
    expect(replies.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('categories decide permissions: +@read does not grant EVAL_RO, -@scripting denies it, +@admin grants CLUSTER REPLICAS', async () => {
    const replies = await differential(
      pair.ours.port,
      pair.real.port,
      script(`
        ACL SETUSER reader on nopass ~* &* +@read
        ACL SETUSER noscr on nopass ~* &* +@all -@scripting
        ACL DRYRUN reader eval_ro "return 1" 0
        ACL DRYRUN reader get k
        ACL DRYRUN noscr eval_ro "return 1" 0
        ACL DRYRUN noscr fcall_ro f 0
        ACL DRYRUN noscr get k
        ACL SETUSER adm on nopass ~* +@admin
        ACL DRYRUN adm cluster replicas x
        ACL DRYRUN adm client id
        ACL SETUSER conn on nopass ~* +@connection
        ACL DRYRUN conn client id
        ACL DRYRUN conn echo x
        ACL SETUSER ch on nopass resetkeys &chan +spublish +ssubscribe
        ACL DRYRUN ch spublish chan m
        ACL DRYRUN ch spublish other m
      `),
    );
    expect(replies.filter((r) => r.ours !== r.real)).toEqual([]);
  });
});
