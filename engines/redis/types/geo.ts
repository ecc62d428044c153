// Geohash encoding and distances with Redis's constants, so stored scores, GEOPOS, GEOHASH and
// GEODIST match Redis bit for bit.

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const STEP = 26;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const D_R = Math.PI / 180.0;

const TWO_32 = 2 ** 32;

/** The 16 low bits of `x` moved to the even bit positions of a 32-bit result. */
function spread16(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

/** The even bits of a 32-bit `x` packed into its 16 low bits. */
function squash32(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

// Plain doubles, not BigInt: a 26-bit index spreads to 52 bits, which a double holds exactly, and a
// GEOADD of thousands of members held the shared event loop several times longer with BigInt loops.
function spread(v: number): number {
  const u = v >>> 0;
  return spread16(u) + spread16(u >>> 16) * TWO_32;
}

function squash(v: number): number {
  return squash32(v >>> 0) + squash32(Math.floor(v / TWO_32)) * 0x10000;
}

function encodeRange(lon: number, lat: number, lonMin: number, lonMax: number, latMin: number, latMax: number): number {
  const latOffset = ((lat - latMin) / (latMax - latMin)) * 2 ** STEP;
  const lonOffset = ((lon - lonMin) / (lonMax - lonMin)) * 2 ** STEP;
  // Latitude bits go in the even positions, longitude bits in the odd ones (disjoint, so + is |).
  return spread(Math.trunc(latOffset)) + spread(Math.trunc(lonOffset)) * 2;
}

/** Geohash bits of the cell (latitude index, longitude index) at some precision, interleaved as in scores. */
export function interleave(ilat: number, ilon: number): number {
  return spread(ilat) + spread(ilon) * 2;
}

/** The 52-bit score GEOADD stores. */
export function geoEncode(lon: number, lat: number): number {
  return encodeRange(lon, lat, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
}

const TWO_63 = 2 ** 63;

/**
 * A double as C's (uint64_t) cast leaves it on x86-64, where redis-server runs (cvttsd2si, with 2^63
 * taken off first from 2^63 up): the fraction dropped, negatives in two's complement, 2^63 for what
 * the instruction cannot hold below 2^63 (and NaN), 0 from 2^64 (and +inf) up.
 */
function cUint64(x: number): bigint {
  if (!(x >= TWO_63)) return x >= -TWO_63 ? BigInt.asUintN(64, BigInt(Math.trunc(x))) : 1n << 63n;
  const rest = x - TWO_63;
  return rest < TWO_63 ? BigInt(Math.trunc(rest)) | (1n << 63n) : 0n;
}

/** A double as C's (long long) cast leaves it on x86-64: what cvttsd2si cannot hold is LLONG_MIN. */
export function cInt64(x: number): bigint {
  return x >= -TWO_63 && x < TWO_63 ? BigInt(Math.trunc(x)) : -(1n << 63n);
}

/** The latitude and longitude cell indexes of a score: its even and odd bits. */
function cells(score: number): [number, number] {
  // What GEOADD stores: 52 bits, which plain doubles handle exactly.
  if (score >= 0 && score < 2 ** 52 && Number.isInteger(score)) return [squash(score), squash(Math.floor(score / 2))];
  // Any other score (ZADD put it there) is cast to 64 bits as redis-server does, so a cell index
  // may reach 2^32 and the position is then clamped to the edge.
  const bits = cUint64(score);
  const lo = Number(bits & 0xffffffffn);
  const hi = Number(bits >> 32n);
  return [squash32(lo) + squash32(hi) * 0x10000, squash32(lo >>> 1) + squash32(hi >>> 1) * 0x10000];
}

/** Center of the cell a score denotes, clamped to the valid range, as [lon, lat]. */
export function geoDecode(score: number): [number, number] {
  const [ilat, ilon] = cells(score);
  const scale = 2 ** STEP;
  const latMin = GEO_LAT_MIN + (ilat / scale) * (GEO_LAT_MAX - GEO_LAT_MIN);
  const latMax = GEO_LAT_MIN + ((ilat + 1) / scale) * (GEO_LAT_MAX - GEO_LAT_MIN);
  const lonMin = GEO_LONG_MIN + (ilon / scale) * (GEO_LONG_MAX - GEO_LONG_MIN);
  const lonMax = GEO_LONG_MIN + ((ilon + 1) / scale) * (GEO_LONG_MAX - GEO_LONG_MIN);
  let lon = (lonMin + lonMax) / 2;
  let lat = (latMin + latMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash GEOHASH reports (re-encoded with ±90 latitude). */
export function geoHashString(score: number): string {
  const [lon, lat] = geoDecode(score);
  const bits = encodeRange(lon, lat, -180, 180, -90, 90);
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    out += ALPHABET[idx];
  }
  return out;
}

export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(lat2 * D_R - lat1 * D_R);
}

/** Haversine distance in meters, with Redis's shortcut for equal longitudes. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = lon1 * D_R;
  const lon2r = lon2 * D_R;
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}
