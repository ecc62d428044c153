// A library replaced, deleted or flushed gives its functions back to the Lua VM, as redis-server frees
// them: 10000 FUNCTION LOAD REPLACE (unit/functions' 'EVAL does not leak in the Lua stack' runs that many)
// kept every old callback referenced and grew the process by ~60 MB. A RESTORE that fails half-way
// links the old libraries again, and they must still run.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const needed = realRedisAvailable() || process.env.CI === 'true';

const lib = (name: string, fn: string, body: string): string => `#!lua name=${name}\nredis.register_function('${fn}', function(keys, args) ${body} end)`;

describe.skipIf(!needed)('replaced and deleted libraries free their functions', () => {
  const pair = serverPair();

  it('a library loaded again and again keeps one set of registry references', async () => {
    const replaced: string[][] = [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', lib('counter', 'bump', "return redis.call('incr', keys[1])")]];
    for (let i = 0; i < 200; i++) replaced.push(['FUNCTION', 'LOAD', 'REPLACE', lib('counter', 'bump', `return redis.call('incrby', keys[1], ${i})`)]);
    replaced.push(['FCALL', 'bump', '1', 'n'], ['FUNCTION', 'DELETE', 'counter'], ['FCALL', 'bump', '1', 'n']);
    const out = await differential(pair.ours.port, pair.real.port, replaced);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);

    // The references of the 200 replaced callbacks were released and are handed out again.
    const functions = pair.ours.server.engine.scripting.functions;
    const start = (await differential(pair.ours.port, pair.real.port, [['FUNCTION', 'LOAD', lib('counter', 'bump', 'return 1')]]))[0];
    expect(start?.ours).toBe(start?.real);
    const first = functions.find('bump')?.ref ?? -1;
    await differential(pair.ours.port, pair.real.port, Array.from({ length: 50 }, () => ['FUNCTION', 'LOAD', 'REPLACE', lib('counter', 'bump', 'return 2')]));
    expect(functions.find('bump')?.ref ?? -1).toBeLessThanOrEqual(first + 2);
  });

  it('the same library text loaded again runs as a fresh library (the compiled text is reused, its state is not)', async () => {
    // A top-level local is each load's own: a counter starts again at 1 after every REPLACE of the same text.
    const counter = "#!lua name=st\nlocal n = 0\nlocal seen = {}\nredis.register_function('st', function(keys, args) n = n + 1 seen[#seen + 1] = n return {n, #seen, tostring(seen[1])} end)\nredis.register_function{function_name='st2', callback=function() return n end, flags={'no-writes'}}";
    const steps: string[][] = [['FUNCTION', 'FLUSH']];
    for (let i = 0; i < 3; i++) steps.push(['FUNCTION', 'LOAD', 'REPLACE', counter], ['FCALL', 'st', '0'], ['FCALL', 'st', '0'], ['FCALL_RO', 'st2', '0']);
    // Errors at load come every time, from the compiler and from the code run.
    const broken = '#!lua name=br\nredis.register_function(\'b\', function() return 1 end'; // unclosed call
    const raising = "#!lua name=ra\nlocal x = 0\nerror('at load ' .. x)";
    for (let i = 0; i < 2; i++) steps.push(['FUNCTION', 'LOAD', 'REPLACE', broken], ['FUNCTION', 'LOAD', 'REPLACE', raising]);
    // Ours makes a fresh VM at SCRIPT FLUSH (its libraries compile again into it): the same text loaded after it.
    const plain = "#!lua name=pl\nredis.register_function('pl', function(keys, args) return redis.call('ping') end)";
    steps.push(['FUNCTION', 'LOAD', 'REPLACE', plain], ['SCRIPT', 'FLUSH'], ['FCALL', 'pl', '0'], ['FUNCTION', 'LOAD', 'REPLACE', plain], ['FCALL', 'pl', '0']);
    const out = await differential(pair.ours.port, pair.real.port, steps);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    expect(out.filter((r) => r.ours.includes('Error compiling')).length).toBe(2);
  });

  it('a RESTORE that fails half-way leaves the old libraries running', async () => {
    const before = [
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', lib('la', 'fa', "return 'old fa'")],
      ['FUNCTION', 'LOAD', lib('lc', 'fb', "return 'old fb'")],
    ];
    // A dump of la (new code) and lb, whose fb collides with lc's once la has been replaced.
    const source = [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', lib('la', 'fa', "return 'new fa'")], ['FUNCTION', 'LOAD', lib('lb', 'fb', "return 'new fb'")]];
    await differential(pair.ours.port, pair.real.port, source);
    const dump = (await differential(pair.ours.port, pair.real.port, [['FUNCTION', 'DUMP']]))[0];
    const payloads = { ours: Buffer.from(dump?.ours ?? '', 'latin1'), real: Buffer.from(dump?.real ?? '', 'latin1') };
    await differential(pair.ours.port, pair.real.port, before);
    // The bulk reply's body: the payload.
    const bulk = (b: Buffer): Buffer => b.subarray(b.indexOf('\r\n') + 2, b.length - 2);
    const restoreOn = async (port: number, payload: Buffer): Promise<string> => {
      const c = await RawClient.connect(port);
      try {
        return await c.call('FUNCTION', 'RESTORE', bulk(payload), 'REPLACE');
      } finally {
        c.close();
      }
    };
    const refused = await restoreOn(pair.ours.port, payloads.ours);
    expect(refused).toMatch(/^-ERR Function fb already exists/);
    expect(refused).toBe(await restoreOn(pair.real.port, payloads.real));
    // Loading more afterwards releases what the failed RESTORE dropped, never the relinked ones.
    const after = [['FUNCTION', 'LOAD', 'REPLACE', lib('ld', 'fd', "return 'd'")], ['FCALL', 'fa', '0'], ['FCALL', 'fb', '0'], ['FCALL', 'fd', '0'], ['FUNCTION', 'DELETE', 'ld'], ['FCALL', 'fa', '0'], ['FCALL', 'fb', '0']];
    const out = await differential(pair.ours.port, pair.real.port, after);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    expect(out.find((r) => r.ours.includes('old fb'))).toBeDefined();
  });
});
