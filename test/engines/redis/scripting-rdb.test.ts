// Function libraries in RDB snapshots (opcode 245): our snapshot loads in redis-server 7.0 with its
// functions, redis-server's dump loads into a node of ours, and a node restored from our own
// snapshot serves FCALL again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpRdb, loadRdb, loadRdbSliced } from '../../../engines/redis/rdb/node-rdb.ts';
import { RawClient, realRedisAvailable, startRealRedis, startServer } from './helpers.ts';

const LIB = "#!lua name=counters\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)";

describe.skipIf(!realRedisAvailable())('functions in RDB files', () => {
  it('our snapshot loads in redis-server with its libraries, and redis-server\'s loads in ours', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fn-rdb-'));
    const ours = await startServer();
    const c = await RawClient.connect(ours.port);
    try {
      expect(await c.call('FUNCTION', 'LOAD', LIB)).toBe('$8\r\ncounters\r\n');
      await c.call('SET', 'n', '41');
      writeFileSync(join(dir, 'ours.rdb'), dumpRdb(ours.server));
      const real = await startRealRedis(['--dir', dir, '--dbfilename', 'ours.rdb']);
      const r = await RawClient.connect(real.port);
      try {
        expect(await r.call('FCALL', 'bump', '1', 'n')).toBe(':42\r\n');
        await r.call('FUNCTION', 'LOAD', "#!lua name=theirs\nredis.register_function('twice', function(keys, args) return args[1] .. args[1] end)");
        expect(await r.call('SAVE')).toBe('+OK\r\n');
      } finally {
        r.close();
        await real.stop();
      }
      const theirs = readFileSync(join(dir, 'ours.rdb'));
      await c.call('FUNCTION', 'FLUSH');
      loadRdb(ours.server, [theirs]);
      expect(await c.call('FCALL', 'twice', '0', 'ab')).toBe('$4\r\nabab\r\n');
      expect(await c.call('FCALL', 'bump', '1', 'n')).toBe(':43\r\n');
      await c.call('FUNCTION', 'FLUSH');
      await loadRdbSliced(ours.server, [theirs]);
      expect(await c.call('FCALL', 'bump', '1', 'n')).toBe(':43\r\n');
    } finally {
      c.close();
      await ours.server.close();
      execFileSync('rm', ['-rf', dir]);
    }
  });

  it('a node restored from our snapshot serves its functions; SCRIPT FLUSH keeps them', async () => {
    const a = await startServer();
    const b = await startServer();
    const ca = await RawClient.connect(a.port);
    const cb = await RawClient.connect(b.port);
    try {
      await ca.call('FUNCTION', 'LOAD', LIB);
      loadRdb(b.server, [dumpRdb(a.server)]);
      expect(await cb.call('FCALL', 'bump', '1', 'k')).toBe(':1\r\n');
      expect(await cb.call('SCRIPT', 'FLUSH')).toBe('+OK\r\n');
      expect(await cb.call('FCALL', 'bump', '1', 'k')).toBe(':2\r\n');
    } finally {
      ca.close();
      cb.close();
      await a.server.close();
      await b.server.close();
    }
  });
});
