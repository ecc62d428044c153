// Which score ranges a GEO search reads, in which order: Redis's geohash cell around the centre
// and its eight neighbours (centre, N, S, E, W, NE, NW, SE, SW), at a precision estimated from the
// radius. Unsorted results come out in this order, so it decides what GEORADIUS without ASC/DESC
// and ANY with COUNT answer.
import { GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, interleave } from './geo.ts';

const MERCATOR_MAX = 20037726.37;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const D_R = Math.PI / 180.0;

export interface SearchShape {
  lon: number;
  lat: number;
  /** Meters; null for a box. */
  radius: number | null;
  /** Full box sides in meters (unused for a radius). */
  width: number;
  height: number;
}

interface Cell {
  ilat: number;
  ilon: number;
  step: number;
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Cells get narrower towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

function cellAt(lon: number, lat: number, step: number): Cell {
  const scale = 2 ** step;
  return {
    ilat: Math.trunc(((lat - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN)) * scale),
    ilon: Math.trunc(((lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * scale),
    step,
  };
}

/**
 * A neighbour, wrapping around at the edges of the grid as Redis's bit arithmetic does. An axis that
 * does not move keeps its index even when it is one past the grid (longitude 180 or the top
 * latitude), as Redis's geohash_move_x/y return early for 0.
 */
function moved(c: Cell, dlon: number, dlat: number): Cell {
  const n = 2 ** c.step;
  return { ilat: dlat === 0 ? c.ilat : (c.ilat + dlat + n) % n, ilon: dlon === 0 ? c.ilon : (c.ilon + dlon + n) % n, step: c.step };
}

function area(c: Cell): { latMin: number; latMax: number; lonMin: number; lonMax: number } {
  const scale = 2 ** c.step;
  return {
    latMin: GEO_LAT_MIN + (c.ilat / scale) * (GEO_LAT_MAX - GEO_LAT_MIN),
    latMax: GEO_LAT_MIN + ((c.ilat + 1) / scale) * (GEO_LAT_MAX - GEO_LAT_MIN),
    lonMin: GEO_LONG_MIN + (c.ilon / scale) * (GEO_LONG_MAX - GEO_LONG_MIN),
    lonMax: GEO_LONG_MIN + ((c.ilon + 1) / scale) * (GEO_LONG_MAX - GEO_LONG_MIN),
  };
}

// Centre, N, S, E, W, NE, NW, SE, SW as (dlon, dlat).
const ORDER: readonly [number, number][] = [[0, 0], [0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [-1, 1], [1, -1], [-1, -1]];

/** Score ranges [min, max) to read, in Redis's order. */
export function searchRanges(s: SearchShape): [number, number][] {
  const radiusMeters = s.radius !== null ? s.radius : Math.sqrt((s.width / 2) ** 2 + (s.height / 2) ** 2);
  const halfHeight = s.radius !== null ? s.radius : s.height / 2;
  const halfWidth = s.radius !== null ? s.radius : s.width / 2;
  const latDelta = halfHeight / EARTH_RADIUS_IN_METERS / D_R;
  const lonDeltaTop = halfWidth / EARTH_RADIUS_IN_METERS / Math.cos((s.lat + latDelta) * D_R) / D_R;
  const lonDeltaBottom = halfWidth / EARTH_RADIUS_IN_METERS / Math.cos((s.lat - latDelta) * D_R) / D_R;
  const south = s.lat < 0;
  const minLon = s.lon - (south ? lonDeltaBottom : lonDeltaTop);
  const maxLon = s.lon + (south ? lonDeltaBottom : lonDeltaTop);
  const minLat = s.lat - latDelta;
  const maxLat = s.lat + latDelta;

  let steps = estimateSteps(radiusMeters, s.lat);
  let centre = cellAt(s.lon, s.lat, steps);
  // A neighbour too close to the search area to cover it asks for one precision step less.
  const tooFine =
    area(moved(centre, 0, 1)).latMax < maxLat ||
    area(moved(centre, 0, -1)).latMin > minLat ||
    area(moved(centre, 1, 0)).lonMax < maxLon ||
    area(moved(centre, -1, 0)).lonMin > minLon;
  if (steps > 1 && tooFine) {
    steps--;
    centre = cellAt(s.lon, s.lat, steps);
  }
  const cells: (Cell | null)[] = ORDER.map(([dlon, dlat]) => moved(centre, dlon, dlat));
  if (steps >= 2) {
    // Drop the neighbours on a side the centre cell already covers past the search area.
    const a = area(centre);
    const drop = (dlon: number | null, dlat: number | null): void => {
      ORDER.forEach(([x, y], i) => {
        if ((dlon === null || x === dlon) && (dlat === null || y === dlat)) cells[i] = null;
      });
    };
    if (a.latMin < minLat) drop(null, -1);
    if (a.latMax > maxLat) drop(null, 1);
    if (a.lonMin < minLon) drop(-1, null);
    if (a.lonMax > maxLon) drop(1, null);
  }
  const shift = 2 ** (52 - 2 * steps);
  const out: [number, number][] = [];
  let last = 0;
  cells.forEach((c, i) => {
    if (c === null) return;
    const bits = interleave(c.ilat, c.ilon);
    // Huge radii make neighbours coincide; Redis skips a cell equal to the last one read (never the centre).
    if (last !== 0 && bits === interleave((cells[last] as Cell).ilat, (cells[last] as Cell).ilon)) return;
    out.push([bits * shift, (bits + 1) * shift]);
    last = i;
  });
  return out;
}
