// GEOSEARCH/GEORADIUS over hundreds of thousands of points search, sort, answer and store in slices:
// another node keeps answering PING, and the replies and stored sets equal redis-server's.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { digestOf, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Points spread over the globe at distinct places (distances do not tie). */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const add = ['GEOADD', 'g'];
    for (let j = from; j < Math.min(N, from + 1000); j++) add.push(String(((j * 7919) % 359_999) / 1000 - 180), String(((j * 104_729) % 169_999) / 1000 - 85), `p${j}`);
    out.push(add);
  }
  return out;
}

describe.skipIf(!available)('geo searches over many points', () => {
  const s = stallServers(fill);

  it('searches of most points answer and store as redis-server, another node answering', async () => {
    for (const cmd of [
      ['GEOSEARCH', 'g', 'FROMLONLAT', '10', '20', 'BYRADIUS', '5000', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '30000', '15000', 'km', 'COUNT', '10', 'DESC', 'WITHCOORD'],
      ['GEORADIUS', 'g', '0', '0', '20000', 'km', 'STORE', 'd'],
      ['GEOSEARCHSTORE', 'd2', 'g', 'FROMMEMBER', 'p5', 'BYRADIUS', '8000', 'km', 'STOREDIST'],
    ]) {
      let both!: Promise<{ sha: string; head: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (both = Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, cmd)))));
      const [mine, real] = await both;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
    // STOREDIST's scores can differ from redis-server's in the last bits of a double (the distance's own
    // arithmetic, not the slicing): d2 is compared by its members' order.
    for (const [key, scores] of [['d', ['WITHSCORES']], ['d2', []]] as const) {
      const stored = await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['ZRANGE', key, '0', '-1', ...scores])));
      expect(stored[0], key).toEqual(stored[1]);
    }
  }, 120_000);

  it('small searches, ANY, empty results, missing keys and MULTI answer as redis-server', async () => {
    const cmds: string[][] = [['GEOADD', 'h', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '2.35', '48.85', 'Paris']];
    for (const tail of [['ASC'], ['DESC', 'COUNT', '2'], ['COUNT', '1', 'ANY'], ['WITHDIST', 'WITHHASH', 'WITHCOORD']]) {
      cmds.push(['GEOSEARCH', 'h', 'FROMLONLAT', '15', '37', 'BYRADIUS', '2000', 'km', ...tail], ['GEORADIUS_RO', 'h', '15', '37', '200', 'km', ...tail]);
    }
    cmds.push(['GEORADIUS', 'h', '15', '37', '200', 'km', 'STORE', 'e'], ['ZRANGE', 'e', '0', '-1', 'WITHSCORES'], ['GEORADIUS', 'h', '0', '0', '1', 'km', 'STORE', 'e'], ['EXISTS', 'e']);
    cmds.push(['GEOSEARCHSTORE', 'f', 'h', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'STOREDIST'], ['ZRANGE', 'f', '0', '-1', 'WITHSCORES']);
    cmds.push(['GEOSEARCH', 'nosuch', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'], ['MULTI'], ['GEOSEARCH', 'h', 'FROMLONLAT', '15', '37', 'BYRADIUS', '2000', 'km', 'ASC'], ['GEORADIUS', 'h', '15', '37', '200', 'km', 'STORE', 'e'], ['EXEC']);
    for (const proto of [2, 3] as const) {
      const pairs = await differential(s.busy.port, s.real.port, cmds, proto);
      expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
    }
  });
});
