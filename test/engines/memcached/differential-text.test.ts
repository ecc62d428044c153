// Same bytes to real memcached and to our engine: the (normalized) replies must be identical.
import { describe, expect, it } from 'vitest';
import { normalize, realMemcachedAvailable, textExchange } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { TEXT_SCRIPTS } from './scripts.ts';

const available = realMemcachedAvailable();

describe.skipIf(!available)('text and meta protocol match real memcached', () => {
  // Reporting 1.6.18 makes the node refuse what 1.6.18 does not know (the meta E flag).
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });

  for (const [family, scripts] of Object.entries(TEXT_SCRIPTS)) {
    it(`${family} (${scripts.length} scripts)`, async () => {
      const mismatches: { script: string; real: string; ours: string }[] = [];
      for (const script of scripts) {
        const a = await textExchange(pair.real.port, script);
        const b = await textExchange(pair.ours.port, script);
        const ra = normalize(a.reply.toString('latin1')) + (a.closed ? ' <closed>' : '');
        const rb = normalize(b.reply.toString('latin1')) + (b.closed ? ' <closed>' : '');
        if (ra !== rb) mismatches.push({ script, real: ra, ours: rb });
      }
      expect(mismatches).toEqual([]);
    });
  }
});
