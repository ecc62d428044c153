// GEO commands whose source key is missing or whose options conflict, compared with redis-server 7.0
// (found by Redis's unit/geo): no member error without a source key, STORE then deletes its
// destination, the type is checked before any argument, distances that are not numbers are named,
// and GEOADD XX NX is a plain syntax error.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const STEPS = `
  SET dest{t} x
  GEORADIUSBYMEMBER src{t} member 1 km
  GEORADIUSBYMEMBER src{t} member notanumber km
  GEORADIUSBYMEMBER src{t} member 1 km STORE dest{t}
  EXISTS dest{t}
  GEOSEARCH src{t} FROMMEMBER member BYBOX 1 1 km
  GEOSEARCHSTORE dest{t} src{t} FROMMEMBER member BYBOX 1 1 m
  GEOADD src{t} 13.361389 38.115556 Palermo
  GEORADIUSBYMEMBER src{t} member notanumber km
  GEORADIUSBYMEMBER src{t} Palermo notanumber km
  GEOSEARCH src{t} FROMMEMBER member BYBOX 1 1 km
  GEOADD src{t} XX NX 13.361389 38.115556 Palermo
  GEOADD src{t} NX XX CH 13.361389 38.115556 Palermo
  SET str x
  GEORADIUS str notanumber 1 1 km
  GEORADIUSBYMEMBER str m notanumber km
  GEOSEARCH str FROMMEMBER m BYBOX 1 1 km
  GEOSEARCH src{t} FROMMEMBER Palermo BYBOX x 1 km
  GEOSEARCH src{t} FROMMEMBER Palermo BYBOX 1 x km
  GEOSEARCH src{t} FROMMEMBER Palermo BYRADIUS x km
  GEOSEARCH src{t} FROMMEMBER Palermo BYBOX -1 1 km
  GEORADIUS src{t} 13 38 x km
`;

describe.skipIf(!available)('GEO with a missing source key, against redis-server 7.0', () => {
  const pair = serverPair();

  it('replies, errors and the STORE destination match redis-server', async () => {
    await expectSameReplies(pair, STEPS);
  });
});
