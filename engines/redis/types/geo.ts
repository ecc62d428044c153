// Geohash encoding and distances with Redis's constants, so stored scores, GEOPOS, GEOHASH and
// GEODIST match Redis bit for bit.

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const STEP = 26;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const D_R = Math.PI / 180.0;

function spread(v: number): bigint {
  let out = 0n;
  const b = BigInt(v >>> 0);
  for (let i = 0n; i < 32n; i++) if ((b >> i) & 1n) out |= 1n << (2n * i);
  return out;
}

function squash(v: bigint): number {
  let out = 0;
  for (let i = 0; i < 32; i++) if ((v >> BigInt(2 * i)) & 1n) out += 2 ** i;
  return out;
}

function encodeRange(lon: number, lat: number, lonMin: number, lonMax: number, latMin: number, latMax: number): bigint {
  const latOffset = ((lat - latMin) / (latMax - latMin)) * 2 ** STEP;
  const lonOffset = ((lon - lonMin) / (lonMax - lonMin)) * 2 ** STEP;
  // Latitude bits go in the even positions, longitude bits in the odd ones.
  return spread(Math.trunc(latOffset)) | (spread(Math.trunc(lonOffset)) << 1n);
}

/** Geohash bits of the cell (latitude index, longitude index) at some precision, interleaved as in scores. */
export function interleave(ilat: number, ilon: number): number {
  return Number(spread(ilat) | (spread(ilon) << 1n));
}

/** The 52-bit score GEOADD stores. */
export function geoEncode(lon: number, lat: number): number {
  return Number(encodeRange(lon, lat, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX));
}

/** Center of the cell a score denotes, clamped to the valid range, as [lon, lat]. */
export function geoDecode(score: number): [number, number] {
  const bits = BigInt(score);
  const ilat = squash(bits);
  const ilon = squash(bits >> 1n);
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
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
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
