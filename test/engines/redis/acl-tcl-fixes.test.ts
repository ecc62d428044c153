// What Redis's unit/acl found different from redis-server 7.0.15, replayed as differentials: rule
// texts for `a|b|c`, ACL CAT's arity text, the ACL LOG (its length limit, the transaction context,
// the AUTH object as typed), HELLO's options acted on in order, and subscribers closed when their
// user loses the channel they listen on.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const needed = realRedisAvailable() || process.env.CI === 'true';

/** ACL LOG entries without the fields that differ by design (age, the client's id, address and memory). */
function logShape(reply: string): string {
  return reply.replace(/(\$11\r\nage-seconds\r\n)[^\r]*\r\n[^\r]*\r\n/g, '$1?\r\n').replace(/(\$11\r\nclient-info\r\n)\$\d+\r\n[^\r]*\r\n/g, (_, head: string) => head);
}

describe.skipIf(!needed)('unit/acl cases as redis-server 7.0', () => {
  const pair = serverPair();

  async function compare(text: string, shape: (s: string) => string = (s) => s): Promise<void> {
    const out = await differential(pair.ours.port, pair.real.port, script(text));
    expect(out.map((r) => `${r.cmd} => ${shape(r.ours)}`)).toEqual(out.map((r) => `${r.cmd} => ${shape(r.real)}`));
  }

  it('a STORE destination needs only write permission: SORT and GEORADIUS under %R~/%W~ patterns (unit/acl-v2)', async () => {
    await compare(`
      ACL SETUSER store-test on nopass +@all %R~read* %W~write* %RW~rw*
      ACL DRYRUN store-test SORT read STORE write
      ACL DRYRUN store-test SORT read STORE read
      ACL DRYRUN store-test SORT write STORE write
      ACL DRYRUN store-test SORT rw1 STORE rw2
      ACL DRYRUN store-test SORT read BY nosort STORE write
      ACL DRYRUN store-test GEORADIUS read 0 0 1 M STORE write
      ACL DRYRUN store-test GEORADIUS read 0 0 1 M STORE read
      ACL DRYRUN store-test GEORADIUS read 0 0 1 M STOREDIST write
      ACL DRYRUN store-test GEORADIUSBYMEMBER read m 1 M STORE write
      ACL DELUSER store-test
    `);
  });

  it('rules naming a command and two more parts, ACL CAT with two categories', async () => {
    await compare(`
      ACL SETUSER e +get|key1|key2
      ACL SETUSER e -get|key1|key2
      ACL SETUSER e +select|0|1
      ACL SETUSER e +config|get|a
      ACL SETUSER e +config|nosuch|a
      ACL SETUSER e +acl|cat|x
      ACL SETUSER e -config|get|a
      ACL CAT a b
      ACL CAT NON_EXISTS NON_EXISTS2
      ACL LOG 1 2
    `);
  });

  it('ACL LOG: acllog-max-len, refusals while queuing a transaction, AUTH and HELLO as typed', async () => {
    await compare(
      `
      ACL LOG RESET
      ACL SETUSER antirez >foo on +set +multi +exec +acl ~object:1234
      CONFIG SET acllog-max-len 5
      AUTH antirez foo
      SET obj:1 1
      SET obj:2 1
      SET obj:3 1
      SET obj:4 1
      SET obj:5 1
      SET obj:6 1
      SET obj:7 1
      MULTI
      INCR foo
      EXEC
      AuTh antirez wrong
      hello 2 AUTH antirez wrong
      AUTH default x
      ACL LOG
      CONFIG SET acllog-max-len 0
      ACL LOG
      SET obj:8 1
      ACL LOG
      CONFIG SET acllog-max-len 128
    `,
      logShape,
    );
  });

  it('HELLO sets each name as it reads it: a later bad option leaves the earlier name', async () => {
    await compare(
      `
      HELLO 2 setname client1 setname client4
      CLIENT GETNAME
      HELLO 2 setname client5 setname client6 setname "client name"
      CLIENT GETNAME
      HELLO 2 setname client7 nosuch
      CLIENT GETNAME
      HELLO 2 AUTH nouser pass setname client8
      CLIENT GETNAME
    `,
      // A HELLO that succeeds answers the server's version and the client's id, which differ by design.
      (s) => (s.startsWith('*14\r\n') ? 'hello reply' : s),
    );
  });

  /** Subscribes one connection per row as `psuser`, changes its channel rules, and says which were closed. */
  async function revoke(port: number, allowed: string, subs: string[][], after: string): Promise<string[]> {
    const admin = await RawClient.connect(port);
    const clients: RawClient[] = [];
    try {
      await admin.call('ACL', 'SETUSER', 'psuser', 'reset', 'on', '>pspass', '+@all', '~*', ...allowed.split(' '));
      for (const [i, sub] of subs.entries()) {
        const c = await RawClient.connect(port);
        clients.push(c);
        await c.call('AUTH', 'psuser', 'pspass');
        await c.call('CLIENT', 'SETNAME', `sub${i}`);
        await c.call(...sub);
      }
      await admin.call('ACL', 'SETUSER', 'psuser', ...after.split(' '));
      const list = await admin.call('CLIENT', 'LIST');
      return subs.map((_, i) => (list.includes(`name=sub${i} `) ? 'kept' : 'closed'));
    } finally {
      for (const c of clients) c.close();
      admin.close();
    }
  }

  it('subscribers whose channel or pattern is revoked are closed at once, the others kept', async () => {
    const cases: [string, string[][], string][] = [
      ['resetchannels &foo:1', [['SUBSCRIBE', 'foo:1']], 'resetchannels'],
      ['resetchannels &foo:1', [['SSUBSCRIBE', 'foo:1']], 'resetchannels'],
      ['resetchannels &bar:*', [['PSUBSCRIBE', 'bar:*']], 'resetchannels'],
      ['allchannels', [['PSUBSCRIBE', 'foo']], 'resetchannels'],
      ['resetchannels &foo:1 &bar:*', [['SUBSCRIBE', 'foo:1'], ['PSUBSCRIBE', 'bar:*'], ['SUBSCRIBE', 'bar:x']], 'resetchannels &bar:x'],
      ['resetchannels &foo:1 &bar:* &orders', [['SUBSCRIBE', 'foo:1'], ['SSUBSCRIBE', 'orders'], ['PSUBSCRIBE', 'bar:*']], 'resetchannels &foo:1 &bar:* &orders &baz:qaz'],
      ['resetchannels &foo:1', [['SUBSCRIBE', 'foo:1']], 'allchannels'],
      ['resetchannels &a &b', [['SUBSCRIBE', 'a'], ['SUBSCRIBE', 'b']], 'resetchannels &*'],
    ];
    for (const [allowed, subs, after] of cases) {
      const [ours, real] = [await revoke(pair.ours.port, allowed, subs, after), await revoke(pair.real.port, allowed, subs, after)];
      expect(ours, `${allowed} -> ${after}`).toEqual(real);
    }
  });
});
