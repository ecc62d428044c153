// Geo commands, stored in sorted sets as Redis does (the score is a 52-bit geohash).
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { newZSet, updateEncoding, type ZSetObj } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { formatHumanDouble, listpackScoreRead, parseIntArg, printfF, toFloat } from '../num.ts';
import { cInt64, geoDecode, geoDistance, geoEncode, geoHashString, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, latDistance } from '../types/geo.ts';
import { searchRanges } from '../types/geo-boxes.ts';
import { is, keyword } from './util.ts';
import { runSliced } from '../sliced.ts';
import { sortInSteps } from '../sort-in-steps.ts';
import { ListpackAdds, readRanks, readScoreRange } from './zset-score-reads.ts';

const UNITS: Record<string, number> = { m: 1, km: 1000, ft: 0.3048, mi: 1609.34 };

function unitOf(s: string): number {
  const u = UNITS[keyword(s)];
  if (u === undefined) fail('ERR unsupported unit provided. please use M, KM, FT, MI');
  return u;
}

function parseCoord(s: string, what?: string): number {
  const v = toFloat(s);
  // Redis names the argument it could not read as a number for distances and box sides.
  if (v === null || Number.isNaN(v)) fail(what === undefined ? E.NOT_FLOAT : `ERR need numeric ${what}`);
  return v;
}

function checkPair(lon: number, lat: number): void {
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    fail(`ERR invalid longitude,latitude pair ${printfF(lon)},${printfF(lat)}`);
  }
}

function getZ(c: Client, key: string): ZSetObj | null {
  return c.db.get(key, 'zset') ?? null;
}

/** A member's score (zsetScore): a listpack's is read back with strtod (zset-score-reads.ts). */
function scoreOf(z: ZSetObj | null | undefined, member: string): number | undefined {
  const score = z?.v.score(member);
  if (score !== undefined && z?.big === false) listpackScoreRead(score);
  return score;
}

function geoadd(c: Client, a: string[]): void {
  const key = a[1] as string;
  let i = 2;
  let nx = false;
  let xx = false;
  let ch = false;
  for (; i < a.length; i++) {
    if (is(a[i], 'nx')) nx = true;
    else if (is(a[i], 'xx')) xx = true;
    else if (is(a[i], 'ch')) ch = true;
    else break;
  }
  const rest = a.length - i;
  if (rest === 0 || rest % 3 !== 0 || (nx && xx)) fail(E.SYNTAX);
  const items: [string, number][] = [];
  for (; i < a.length; i += 3) {
    const lon = parseCoord(a[i] as string);
    const lat = parseCoord(a[i + 1] as string);
    checkPair(lon, lat);
    items.push([a[i + 2] as string, geoEncode(lon, lat)]);
  }
  const existing = c.db.get(key, 'zset', false);
  if (existing === null && xx) return c.w.int(0);
  const o = existing ?? c.db.getOrCreate(key, 'zset', newZSet);
  const reads = new ListpackAdds(o, c.engine.config.encoding, existing === null, items[0]?.[0]);
  let added = 0;
  let changed = 0;
  const fresh: string[] = [];
  for (const [m, score] of items) {
    const cur = o.v.score(m);
    reads.found(cur);
    if (cur === undefined) {
      if (xx) continue;
      reads.adding(m);
      o.v.add(m, score);
      reads.placed(m);
      fresh.push(m);
      added++;
    } else if (!nx && cur !== score) {
      o.v.add(m, score);
      reads.placed(m);
      changed++;
    }
  }
  updateEncoding(o, items.map(([m]) => m), c.engine.config.encoding, true, fresh);
  // Nothing added or moved is no write for redis-server (GEOADD is its ZADD): no event, WATCH holds.
  if (added + changed > 0 || o.v.size === 0) c.db.modified(key);
  c.w.int(ch ? added + changed : added);
}

interface Match {
  member: string;
  dist: number;
  score: number;
  lon: number;
  lat: number;
}

interface SearchSpec {
  lon: number;
  lat: number;
  radius: number | null;
  width: number;
  height: number;
  unit: number;
  sort: 'asc' | 'desc' | null;
  count: number;
  any: boolean;
  withCoord: boolean;
  withDist: boolean;
  withHash: boolean;
  store: string | null;
  storeDist: boolean;
}

/**
 * The matches of `s` in `z` into `out`, a candidate per step; sorted (in steps) and cut to COUNT. A search
 * over a million points held every node for seconds when run whole.
 */
function* searchSteps(o: ZSetObj, s: SearchSpec, out: Match[]): Generator<void> {
  const z = o.v;
  const limit = s.any ? s.count : 0;
  for (const [min, max] of searchRanges(s)) {
    if (limit > 0 && out.length >= limit) break;
    const box = { min, max, minEx: false, maxEx: true };
    // A listpack reads back (strtod, zset-score-reads.ts) the scores zzlFirstInRange passes, each
    // one walked, and the first past the box unless ANY's count stopped the walk.
    readScoreRange(o, box, false, 0, 0);
    const span = z.spanInScore(box);
    if (span === null) continue;
    let full = false;
    for (const [member, score] of z.walk(span[0], span[1] - span[0] + 1, false)) {
      yield;
      if (!o.big) listpackScoreRead(score);
      const [lon, lat] = geoDecode(score);
      let dist: number;
      if (s.radius !== null) {
        dist = geoDistance(s.lon, s.lat, lon, lat);
        if (dist > s.radius) continue;
      } else {
        if (latDistance(lat, s.lat) > s.height / 2) continue;
        if (geoDistance(lon, lat, s.lon, lat) > s.width / 2) continue;
        dist = geoDistance(s.lon, s.lat, lon, lat);
      }
      out.push({ member, dist, score, lon, lat });
      if (limit > 0 && out.length >= limit) {
        full = true;
        break;
      }
    }
    if (!full) readRanks(o, span[1] + 1, span[1] + 1);
  }
  let sort = s.sort;
  if (s.count > 0 && sort === null && !s.any) sort = 'asc';
  if (sort === 'asc') yield* sortInSteps(out, (x, y) => x.dist - y.dist);
  else if (sort === 'desc') yield* sortInSteps(out, (x, y) => y.dist - x.dist);
  if (s.count > 0 && out.length > s.count) out.length = s.count;
}

/** Searches, then writes the reply or builds the STORE destination, all in slices (see runSliced). */
function answer(c: Client, a: string[], z: ZSetObj | null, s: SearchSpec, event: 'georadiusstore' | 'geosearchstore'): void {
  const matches: Match[] = [];
  const o = newZSet();
  function* work(): Generator<void> {
    if (z !== null) yield* searchSteps(z, s, matches);
    if (s.store === null) yield* replySteps(c, matches, s);
    else for (const m of matches) {
      o.v.add(m.member, s.storeDist ? m.dist / s.unit : m.score);
      yield;
    }
  }
  if (s.store === null) return runSliced(c, work(), () => undefined);
  runSliced(c, work(), () => store(c, matches, o, s, event), a);
}

function* replySteps(c: Client, matches: Match[], s: SearchSpec): Generator<void> {
  const extra = (s.withDist ? 1 : 0) + (s.withHash ? 1 : 0) + (s.withCoord ? 1 : 0);
  c.w.array(matches.length);
  for (const m of matches) {
    yield;
    if (extra === 0) {
      c.w.bulk(m.member);
      continue;
    }
    c.w.array(extra + 1);
    c.w.bulk(m.member);
    if (s.withDist) c.w.bulk((m.dist / s.unit).toFixed(4));
    // A score ZADD put there is cast to long long as redis-server's reply does.
    if (s.withHash) {
      if (Number.isSafeInteger(m.score)) c.w.int(m.score);
      else c.w.bigint(cInt64(m.score));
    }
    if (s.withCoord) {
      c.w.array(2);
      c.w.doubleText(formatHumanDouble(m.lon));
      c.w.doubleText(formatHumanDouble(m.lat));
    }
  }
}

/** Stores `o`, built from `matches`, at the STORE destination. */
function store(c: Client, matches: Match[], o: ZSetObj, s: SearchSpec, event: 'georadiusstore' | 'geosearchstore'): void {
  const dest = s.store as string;
  if (matches.length === 0) {
    if (c.db.deleteAsIs(dest)) notify(c.engine, 'g', 'del', c.dbIndex, dest);
    return c.w.int(0);
  }
  updateEncoding(o, matches.map((m) => m.member), c.engine.config.encoding);
  c.db.set(dest, o);
  notify(c.engine, 'z', event, c.dbIndex, dest);
  c.w.int(matches.length);
}

/** The member's position; with no source key there is no member to miss (the search is empty anyway). */
function memberCenter(z: ZSetObj | null, member: string): [number, number] {
  if (z === null) return [0, 0];
  const score = scoreOf(z, member);
  if (score === undefined) fail('ERR could not decode requested zset member');
  return geoDecode(score);
}

function baseSpec(): SearchSpec {
  return { lon: 0, lat: 0, radius: null, width: 0, height: 0, unit: 1, sort: null, count: 0, any: false, withCoord: false, withDist: false, withHash: false, store: null, storeDist: false };
}

/** Shared option parser for GEOSEARCH(STORE) and GEORADIUS*; returns the options after `from`. */
function parseOptions(a: string[], from: number, s: SearchSpec, mode: 'search' | 'radius', z: ZSetObj | null, allowStore: boolean): void {
  let center = mode === 'radius';
  let shape = mode === 'radius';
  for (let i = from; i < a.length; i++) {
    const w = keyword(a[i] as string);
    if (w === 'withcoord') s.withCoord = true;
    else if (w === 'withdist') s.withDist = true;
    else if (w === 'withhash') s.withHash = true;
    else if (w === 'asc') s.sort = 'asc';
    else if (w === 'desc') s.sort = 'desc';
    else if (w === 'any') s.any = true;
    else if (w === 'count' && i + 1 < a.length) {
      s.count = parseIntArg(a[++i] as string);
      if (s.count <= 0) fail('ERR COUNT must be > 0');
    } else if (mode === 'radius' && allowStore && (w === 'store' || w === 'storedist') && i + 1 < a.length) {
      s.store = a[++i] as string;
      s.storeDist = w === 'storedist';
    } else if (mode === 'search' && w === 'frommember' && i + 1 < a.length && !center) {
      [s.lon, s.lat] = memberCenter(z, a[++i] as string);
      center = true;
    } else if (mode === 'search' && w === 'fromlonlat' && i + 2 < a.length && !center) {
      s.lon = parseCoord(a[++i] as string);
      s.lat = parseCoord(a[++i] as string);
      checkPair(s.lon, s.lat);
      center = true;
    } else if (mode === 'search' && w === 'byradius' && i + 2 < a.length && !shape) {
      const r = parseCoord(a[++i] as string, 'radius');
      if (r < 0) fail('ERR radius cannot be negative');
      s.unit = unitOf(a[++i] as string);
      s.radius = r * s.unit;
      shape = true;
    } else if (mode === 'search' && w === 'bybox' && i + 3 < a.length && !shape) {
      const wd = parseCoord(a[++i] as string, 'width');
      const ht = parseCoord(a[++i] as string, 'height');
      if (wd < 0 || ht < 0) fail('ERR height or width cannot be negative');
      s.unit = unitOf(a[++i] as string);
      s.width = wd * s.unit;
      s.height = ht * s.unit;
      shape = true;
    } else if (mode === 'search' && allowStore && w === 'storedist') {
      s.storeDist = true;
    } else fail(E.SYNTAX);
  }
  if (!center) fail('ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH');
  if (!shape) fail('ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH');
  if (s.any && s.count === 0) fail('ERR the ANY argument requires COUNT argument');
  if (s.store !== null && (s.withCoord || s.withDist || s.withHash)) fail('ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options');
}

function georadius(c: Client, a: string[], byMember: boolean, readOnly: boolean): void {
  const key = a[1] as string;
  const s = baseSpec();
  // Redis checks the key's type first, and with no source key reads neither member nor radius.
  const z = getZ(c, key);
  let i: number;
  if (byMember) {
    if (z !== null) {
      [s.lon, s.lat] = memberCenter(z, a[2] as string);
      const r = parseCoord(a[3] as string, 'radius');
      if (r < 0) fail('ERR radius cannot be negative');
      s.unit = unitOf(a[4] as string);
      s.radius = r * s.unit;
    }
    i = 5;
  } else {
    s.lon = parseCoord(a[2] as string);
    s.lat = parseCoord(a[3] as string);
    checkPair(s.lon, s.lat);
    const r = parseCoord(a[4] as string, 'radius');
    if (r < 0) fail('ERR radius cannot be negative');
    s.unit = unitOf(a[5] as string);
    s.radius = r * s.unit;
    i = 6;
  }
  parseOptions(a, i, s, 'radius', z, !readOnly);
  answer(c, a, z, s, 'georadiusstore');
}

/** GEORADIUS[BYMEMBER]'s keys: the source, and a STORE/STOREDIST destination after the fixed arguments. */
function radiusKeys(a: string[], from: number): number[] {
  const out = [1];
  for (let i = from; i < a.length - 1; i++) {
    const w = keyword(a[i] as string);
    if (w === 'store' || w === 'storedist') out.push(++i);
  }
  return out;
}

export const geoCommands = defineGroup('geo', [
  { name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], keys: [1, 1, 1], handler: geoadd },
  {
    name: 'geopos',
    arity: -2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const z = getZ(c, a[1] as string);
      c.w.array(a.length - 2);
      for (let i = 2; i < a.length; i++) {
        const score = scoreOf(z, a[i] as string);
        if (score === undefined) {
          c.w.nilArray();
          continue;
        }
        const [lon, lat] = geoDecode(score);
        c.w.array(2);
        c.w.doubleText(formatHumanDouble(lon));
        c.w.doubleText(formatHumanDouble(lat));
      }
    },
  },
  {
    name: 'geodist',
    arity: -4,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      let unit = 1;
      if (a.length === 5) unit = unitOf(a[4] as string);
      else if (a.length > 5) fail(E.SYNTAX);
      const z = getZ(c, a[1] as string);
      // zsetScore of the second member only when the first is there.
      const s1 = scoreOf(z, a[2] as string);
      const s2 = s1 === undefined ? undefined : scoreOf(z, a[3] as string);
      if (s1 === undefined || s2 === undefined) return c.w.nil();
      const [lon1, lat1] = geoDecode(s1);
      const [lon2, lat2] = geoDecode(s2);
      c.w.bulk((geoDistance(lon1, lat1, lon2, lat2) / unit).toFixed(4));
    },
  },
  {
    name: 'geohash',
    arity: -2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const z = getZ(c, a[1] as string);
      c.w.array(a.length - 2);
      for (let i = 2; i < a.length; i++) {
        const score = scoreOf(z, a[i] as string);
        if (score === undefined) c.w.nil();
        else c.w.bulk(geoHashString(score));
      }
    },
  },
  {
    name: 'geosearch',
    arity: -7,
    flags: ['readonly'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const s = baseSpec();
      const z = getZ(c, a[1] as string);
      parseOptions(a, 2, s, 'search', z, false);
      answer(c, a, z, s, 'geosearchstore');
    },
  },
  {
    name: 'geosearchstore',
    arity: -8,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    handler: (c, a) => {
      const s = baseSpec();
      const z = getZ(c, a[2] as string);
      parseOptions(a, 3, s, 'search', z, true);
      if (s.withCoord || s.withDist || s.withHash) fail(E.SYNTAX);
      s.store = a[1] as string;
      answer(c, a, z, s, 'geosearchstore');
    },
  },
  { name: 'georadius', arity: -6, flags: ['write', 'denyoom'], keys: [1, 1, 1], keysOf: (a) => radiusKeys(a, 6), handler: (c, a) => georadius(c, a, false, false) },
  { name: 'georadius_ro', arity: -6, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => georadius(c, a, false, true) },
  { name: 'georadiusbymember', arity: -5, flags: ['write', 'denyoom'], keys: [1, 1, 1], keysOf: (a) => radiusKeys(a, 5), handler: (c, a) => georadius(c, a, true, false) },
  { name: 'georadiusbymember_ro', arity: -5, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => georadius(c, a, true, true) },
]);
