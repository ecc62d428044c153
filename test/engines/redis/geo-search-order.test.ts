// The order of unsorted GEO search results, and which members ANY COUNT picks, compared with
// redis-server 7.0: both follow Redis's nine geohash cells around the centre (found by Redis's
// unit/geo, "GEORADIUSBYMEMBER crossing pole search").
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** A fixed pseudo-random sequence, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe.skipIf(!available)('GEO search order, against redis-server 7.0', () => {
  const pair = serverPair();

  it('a search crossing the pole lists members in the same order', async () => {
    const results = await differential(pair.ours.port, pair.real.port, [
      ['GEOADD', 'k1', '45', '65', 'n1', '-135', '85.05', 'n2'],
      ['GEORADIUSBYMEMBER', 'k1', 'n1', '5009431', 'm'],
      ['GEOSEARCH', 'k1', 'FROMMEMBER', 'n1', 'BYRADIUS', '5009431', 'm'],
    ]);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('unsorted searches and ANY COUNT over random points answer as redis-server', async () => {
    const rand = lcg(20261127);
    const cmds: string[][] = [];
    for (let i = 0; i < 300; i++) {
      cmds.push(['GEOADD', 'pts', String((rand() * 360 - 180).toFixed(6)), String((rand() * 160 - 80).toFixed(6)), `m${i}`]);
    }
    for (let q = 0; q < 40; q++) {
      const lon = (rand() * 360 - 180).toFixed(6);
      const lat = (rand() * 160 - 80).toFixed(6);
      const km = String(Math.round(100 + rand() * 4000));
      cmds.push(['GEORADIUS', 'pts', lon, lat, km, 'km']);
      cmds.push(['GEORADIUS', 'pts', lon, lat, km, 'km', 'COUNT', '3', 'ANY']);
      cmds.push(['GEOSEARCH', 'pts', 'FROMLONLAT', lon, lat, 'BYBOX', km, String(Math.round(Number(km) / 2)), 'km']);
      cmds.push(['GEOSEARCH', 'pts', 'FROMMEMBER', `m${q}`, 'BYRADIUS', km, 'km', 'COUNT', '2', 'ANY', 'WITHDIST']);
    }
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });
});
