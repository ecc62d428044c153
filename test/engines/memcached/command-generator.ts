// Random but well-formed-ish memcached commands for the randomized differential test.
import { int, pick } from './random.ts';

const KEYS = ['a', 'b', 'c', 'n1', 'n2', 'bin\u0001', 'x'.repeat(250)];
const VALUES = ['', '0', '1', '42', '1844674407370955161', 'abc', 'hello world', '99999'];
const MG_FLAGS = ['v', 's', 'f', 'c', 'k', 'q', 'h', 'O1', 'Oab', 'N100', 'R100', 'T0', 'u', 'b'];
// CAS literals stay far from the numbers either server hands out: allocation order legitimately differs.
const MS_FLAGS = ['c', 'k', 'q', 'F7', 'T0', 'C999999', 'I', 'ME', 'MA', 'MP', 'MR', 'MS', 'MX', 'O9', 'Fx', 'b'];
const MA_FLAGS = ['v', 'c', 'k', 'q', 'N0', 'J5', 'D3', 'MI', 'O2', 'C999999', 'Dabc', 'Mx'];
const MD_FLAGS = ['q', 'k', 'O3', 'I', 'T0', 'C999999', 'b'];

function flags(r: () => number, from: string[]): string {
  const n = int(r, 0, 4);
  const chosen: string[] = [];
  for (let i = 0; i < n; i++) chosen.push(pick(r, from));
  return chosen.length ? ' ' + chosen.join(' ') : '';
}

function metaKey(r: () => number, line: string, key: string): string {
  // With the b flag the key must be base64; keep the request meaningful most of the time.
  return / b( |$)/.test(line) && r() < 0.8 ? line.replace(` ${key}`, ` ${Buffer.from(key, 'latin1').toString('base64')}`) : line;
}

export function randomCommand(r: () => number): string {
  const key = pick(r, KEYS);
  const value = pick(r, VALUES);
  const noreply = r() < 0.1 ? ' noreply' : '';
  switch (int(r, 0, 15)) {
    case 0:
    case 1:
      return `${pick(r, ['set', 'add', 'replace', 'append', 'prepend'])} ${key} ${pick(r, ['0', '3', '4294967295'])} ${pick(r, ['0', '1000'])} ${value.length}${noreply}\r\n${value}\r\n`;
    case 2:
      return `cas ${key} 0 0 ${value.length} ${pick(r, ['0', '999999'])}${noreply}\r\n${value}\r\n`;
    case 3:
      return `${pick(r, ['get', 'gets'])} ${key} ${pick(r, KEYS)} ${pick(r, KEYS)}\r\n`;
    case 4:
      // Only growing results: whether memcached rewrites a shrinking counter in place depends on
      // transient references its LRU threads hold, so it cannot be compared deterministically.
      return `incr ${key} ${pick(r, ['0', '1', '5', 'abc', '-1', '18446744073709551616'])}${noreply}\r\n`;
    case 5:
      return `delete ${key}${noreply}\r\n`;
    case 6:
      return r() < 0.5 ? `touch ${key} ${pick(r, ['0', '1000', 'abc'])}${noreply}\r\n` : `${pick(r, ['gat', 'gats'])} ${pick(r, ['0', '1000'])} ${key}\r\n`;
    case 7:
    case 8: {
      const line = `mg ${key}${flags(r, MG_FLAGS)}`;
      return metaKey(r, line, key) + '\r\n';
    }
    case 9:
    case 10: {
      const line = `ms ${key} ${value.length}${flags(r, MS_FLAGS)}`;
      return `${metaKey(r, line, key)}\r\n${value}\r\n`;
    }
    case 11:
      return metaKey(r, `md ${key}${flags(r, MD_FLAGS)}`, key) + '\r\n';
    case 12:
      return metaKey(r, `ma ${key}${flags(r, MA_FLAGS)}`, key) + '\r\n';
    case 13:
      return pick(r, ['version\r\n', 'bogus\r\n', '\r\n', 'flush_all\r\n', 'verbosity 1\r\n', 'get\r\n']);
    case 14: {
      // Wrong data block lengths: memcached's recovery must match byte for byte.
      const declared = Math.max(0, value.length + int(r, -2, 2));
      return `set ${key} 0 0 ${declared}\r\n${value}\r\n`;
    }
    default:
      return `me ${key}\r\n`;
  }
}
