// Random meta commands (mg ms md ma mn me) with every flag of memcached 1.6.18's meta protocol,
// in random order and combination, for the generated meta differential. (E, explicit CAS, is newer
// than 1.6.18 and accepted on purpose: it is left out.)
import { int, pick } from './random.ts';

const KEYS = ['k1', 'k2', 'k3', 'ctr', 'bin\u0001', 'k'.repeat(250)];
// No arithmetic result may be shorter than the value it replaces (a wrap past 2^64-1, a decrement
// losing a digit): memcached then rewrites in place or not depending on references its background
// threads hold for a moment, which cannot be compared.
const VALUES = ['', '0', '7', '42', 'abc', 'hello world'];
// Recache thresholds stay away from the TTLs used (30, 100), so a second ticking between the two
// servers cannot decide a win. Values far from live CAS numbers mismatch; C1 is older than almost any live item, so with I it
// takes the stale-write path.
const CAS = ['C1', 'C999999', 'C0', 'Cx'];
const TTLS = ['T0', 'T100', 'T-1', 'T2592001', 'Tabc'];

const MG = ['v', 's', 'f', 'c', 'k', 'q', 'h', 'l', 't', 'u', 'b', 'O1', 'Oxyz', 'N30', 'N0', 'R20', 'R200', ...TTLS, 'P', 'L', 'z'];
const MS = ['c', 'k', 'q', 's', 'b', 'I', 'O7', 'F0', 'F3', 'F4294967296', 'Fx', 'N30', 'ME', 'MA', 'MP', 'MR', 'MS', 'Mx', 'MAA', ...TTLS, ...CAS, 'v', 't'];
const MD = ['q', 'k', 'b', 'I', 'O3', 'T30', 'x', ...CAS];
const MA = ['v', 'c', 't', 'k', 'q', 'b', 'N0', 'N30', 'J5', 'J18446744073709551614', 'Jx', 'D1', 'D3', 'Dx', 'MI', 'M+', 'Mx', 'T30', 'O2', ...CAS];

function flags(r: () => number, from: string[], max: number): string[] {
  const n = int(r, 0, max);
  const chosen: string[] = [];
  for (let i = 0; i < n; i++) chosen.push(pick(r, from));
  return chosen;
}

/** With the b flag the key goes in base64 (most of the time: a bad encoding is worth a case too). */
function keyToken(r: () => number, key: string, fl: string[]): string {
  return fl.includes('b') && r() < 0.85 ? Buffer.from(key, 'latin1').toString('base64') : key;
}

export function randomMetaCommand(r: () => number): string {
  const key = pick(r, KEYS);
  switch (int(r, 0, 9)) {
    case 0:
    case 1:
    case 2: {
      const fl = flags(r, MG, 5);
      return `mg ${keyToken(r, key, fl)}${fl.map((f) => ' ' + f).join('')}\r\n`;
    }
    case 3:
    case 4: {
      const fl = flags(r, MS, 4);
      const value = pick(r, VALUES);
      return `ms ${keyToken(r, key, fl)} ${value.length}${fl.map((f) => ' ' + f).join('')}\r\n${value}\r\n`;
    }
    case 5: {
      const fl = flags(r, MD, 3);
      return `md ${keyToken(r, key, fl)}${fl.map((f) => ' ' + f).join('')}\r\n`;
    }
    case 6:
    case 7: {
      const fl = flags(r, MA, 4);
      return `ma ${keyToken(r, key, fl)}${fl.map((f) => ' ' + f).join('')}\r\n`;
    }
    case 8:
      return pick(r, [`me ${key}\r\n`, 'mn\r\n', `set ${key} 0 100 2\r\n10\r\n`, `gets ${key}\r\n`]);
    default:
      return pick(r, [`ms ${key} 2 T100\r\n10\r\n`, `md ${key} I T30\r\n`, `mg ${key} R200 c t v\r\n`, `ma ${key} N0 J1 v`]) + (r() < 0.5 ? '' : '\r\n');
  }
}
