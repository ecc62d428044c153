// Seeded random batches for the memcached differential fuzzer: text and meta commands on one kind of
// connection, binary packets on another (memcached picks the protocol from a connection's first byte).
// Each command is kept as its own buffer so a failing batch can be shrunk command by command.
import { deltaExtras, packet, setExtras, u32 } from './binary-helpers.ts';
import { int, pick } from './random.ts';

export interface FuzzBatch {
  binary: boolean;
  commands: Buffer[];
}

// Keys at and past the 250-byte limit, with control and high bytes, a near-miss of another key.
// A NUL byte ends memcached's command line wherever it is (keys and numbers here carry one).
const KEYS = ['a', 'b', 'c', 'ab', 'n', 'k:1', 'x'.repeat(250), 'y'.repeat(251), 'c\u0001t', '\u00ff\u00fe', 'a\u007f', 'a\u0000b'];
const VALUES = ['', '0', '1', '9', '10', '99', '100', '42', 'abc', ' 5', '5 ', '-1', '007', '18446744073709551615',
  '18446744073709551616', 'hello world', 'x\r\ny', '\u0000\u00ff', 'v'.repeat(300)];
// CAS literals far from the numbers either server hands out (their allocation order may differ), or 0.
const CAS_LITERALS = ['0', '1', '999999', '18446744073709551615', '18446744073709551616', 'abc', '-1'];
const NUMBERS = ['0', '1', '5', '100', '4294967295', '4294967296', '18446744073709551615', '18446744073709551616',
  '-1', '-0', '+1', 'abc', '1a', '', '00', '7\u0000x', '-18446744073709551615', '\t3', '3\tx', '0x10'];
// TTLs that decide nothing within a run: never, far away, or already past (negative, absolute past).
const TTLS = ['0', '-1', '1000', '2592000', '2592001', '100000', 'abc', '-2147483649', '4294967296', '1000\tx', '\r1000'];

function key(r: () => number): string {
  return pick(r, KEYS);
}

function token(r: () => number, list: string[]): string {
  return pick(r, list);
}

function noreply(r: () => number): string {
  return r() < 0.15 ? pick(r, [' noreply', ' noreply', ' norepl', ' noreply x']) : '';
}

/** A declared data length: usually honest, sometimes off by a little or nonsense. */
function declaredLength(r: () => number, value: string): { declared: string; block: string } {
  const roll = r();
  if (roll < 0.8) return { declared: String(value.length), block: value };
  if (roll < 0.9) return { declared: String(Math.max(0, value.length + int(r, -2, 2))), block: value };
  // (No length past the item size limit: memcached swallows that many bytes, the sentinel with them.)
  return { declared: pick(r, ['-1', 'abc', '4294967296', '2147483648', '1x']), block: value };
}

function storage(r: () => number): string {
  const cmd = pick(r, ['set', 'set', 'add', 'replace', 'append', 'prepend', 'cas']);
  const value = pick(r, VALUES);
  const { declared, block } = declaredLength(r, value);
  const flags = r() < 0.8 ? pick(r, ['0', '1', '3']) : token(r, NUMBERS);
  const ttl = r() < 0.8 ? '0' : token(r, TTLS);
  const cas = cmd === 'cas' ? ' ' + token(r, CAS_LITERALS) : '';
  const extra = r() < 0.05 ? ' ' + Array.from({ length: int(r, 1, 25) }, () => 'z').join(' ') : '';
  return `${cmd} ${key(r)} ${flags} ${ttl} ${declared}${cas}${noreply(r)}${extra}\r\n${block}\r\n`;
}

function retrieval(r: () => number): string {
  const n = r() < 0.9 ? int(r, 1, 4) : int(r, 20, 30);
  const keys = Array.from({ length: n }, () => key(r)).join(' ');
  const cmd = pick(r, ['get', 'gets', 'gat', 'gats']);
  return cmd.startsWith('gat') ? `${cmd} ${token(r, TTLS)} ${keys}\r\n` : `${cmd} ${keys}\r\n`;
}

function other(r: () => number): string {
  switch (int(r, 0, 9)) {
    case 0:
    case 1:
      return `${pick(r, ['incr', 'incr', 'decr'])} ${key(r)} ${token(r, NUMBERS)}${noreply(r)}\r\n`;
    case 2:
      return `delete ${key(r)}${pick(r, ['', '', ' 0', ' 10', ' noreply', ' 0 noreply', ' x y'])}\r\n`;
    case 3:
      return `touch ${key(r)} ${token(r, TTLS)}${noreply(r)}\r\n`;
    case 4:
      return pick(r, ['flush_all\r\n', 'flush_all 0\r\n', 'flush_all noreply\r\n', 'flush_all abc\r\n', 'flush_all -1\r\n',
        'flush_all 0 noreply\r\n']);
    case 5:
      return pick(r, ['version\r\n', 'verbosity\r\n', 'verbosity 1\r\n', 'verbosity 0 noreply\r\n', 'verbosity x\r\n']);
    case 6:
      return pick(r, ['\r\n', ' \r\n', 'bogus\r\n', 'GET a\r\n', 'get\r\n', 'gets \r\n', 'set a\r\n', 'incr\r\n', 'mg\r\n',
        'ms a\r\n', 'ma\r\n', 'md\r\n', 'me\r\n', 'get a\n', 'set a 0 0 1\nx\r\n', 'mn x\r\n', 'cas a 0 0 1\r\nx\r\n']);
    case 7:
      return `${pick(r, ['get', 'mg', 'delete', 'set'])} ${'k'.repeat(int(r, 240, 260))}${pick(r, ['', ' v', ' 0 0 1\r\nx'])}\r\n`;
    case 8:
      return `${pick(r, ['get', 'set', 'ms', 'mg', 'incr'])}${' t'.repeat(int(r, 20, 30))}\r\n`;
    default:
      return `me ${key(r)}\r\n`;
  }
}

// Every flag of 1.6.18's meta commands, with good and bad tokens. Recache thresholds (R) stay far
// from the TTLs used so a second ticking between the two servers decides nothing.
const MG_FLAGS = ['b', 'c', 'f', 'h', 'k', 'l', 'O', 'Oab', 'q', 's', 't', 'u', 'v', 'E5', 'N0', 'N100', 'R10', 'R5000',
  'T0', 'T1000', 'T-1', 'Tx', 'N', 'R', 'P', 'L', 'z', 'v', 'vv'];
const MS_FLAGS = ['b', 'c', 'k', 'O9', 'q', 's', 'I', 'F0', 'F7', 'F4294967296', 'Fx', 'T0', 'T1000', 'T-1', 'Tx', 'N100',
  'ME', 'MA', 'MP', 'MR', 'MS', 'Ms', 'Ma', 'Mx', 'MAA', 'M', 'C0', 'C999999', 'C1', 'Cx', 'E5', 'S10', 'v', 'f', 'h'];
const MD_FLAGS = ['b', 'C0', 'C999999', 'C1', 'E5', 'I', 'k', 'O3', 'q', 'T0', 'T1000', 'x', 'v', 'Tx'];
const MA_FLAGS = ['b', 'C0', 'C999999', 'E5', 'N0', 'N100', 'J0', 'J5', 'J18446744073709551615', 'Jx', 'D1', 'D100',
  'D18446744073709551615', 'Dx', 'T0', 'T1000', 'M', 'MI', 'MD', 'M+', 'M-', 'Mi', 'Md', 'Mx', 'q', 'O2', 't', 'c', 'v', 'k',
  'f', 's'];

function metaFlags(r: () => number, list: string[]): string[] {
  const out: string[] = [];
  const n = r() < 0.95 ? int(r, 0, 5) : int(r, 20, 26);
  for (let i = 0; i < n; i++) out.push(pick(r, list));
  return out;
}

function metaKey(r: () => number, flags: string[]): string {
  const k = key(r);
  if (!flags.includes('b')) return k;
  return r() < 0.85 ? Buffer.from(k, 'latin1').toString('base64') : pick(r, ['!!!', 'YQ', 'YQ==', '====', k]);
}

function meta(r: () => number): string {
  switch (int(r, 0, 7)) {
    case 0:
    case 1:
    case 2: {
      const f = metaFlags(r, MG_FLAGS);
      return `mg ${metaKey(r, f)}${f.map((x) => ' ' + x).join('')}\r\n`;
    }
    case 3:
    case 4: {
      const f = metaFlags(r, MS_FLAGS);
      const value = pick(r, VALUES);
      const { declared, block } = declaredLength(r, value);
      return `ms ${metaKey(r, f)} ${declared}${f.map((x) => ' ' + x).join('')}\r\n${block}\r\n`;
    }
    case 5: {
      const f = metaFlags(r, MD_FLAGS);
      return `md ${metaKey(r, f)}${f.map((x) => ' ' + x).join('')}\r\n`;
    }
    case 6: {
      const f = metaFlags(r, MA_FLAGS);
      return `ma ${metaKey(r, f)}${f.map((x) => ' ' + x).join('')}\r\n`;
    }
    default:
      return pick(r, ['mn\r\n', `me ${key(r)}\r\n`, `me ${key(r)} b\r\n`, 'me\r\n', `mn ${key(r)}\r\n`]);
  }
}

/** Short keys mostly; now and then the longest valid key, rarely one past the limit. */
function longLineKey(r: () => number): string {
  const roll = r();
  if (roll < 0.001) return 'y'.repeat(251);
  if (roll < 0.05) return 'x'.repeat(250);
  return pick(r, ['a', 'b', 'c', 'ab', 'n', 'k:1', 'c\u0001t', '\u00ff\u00fe']);
}

/**
 * Commands that carry a batch past memcached's 16 KB read buffer, so its reads end in varied places: get/gets
 * lines of hundreds to thousands of keys (up to ~60 KB; these may outgrow the buffer), gat/gats lines under
 * 2 KB (longer ones close when the buffer cuts them, and a close with bytes memcached has not read resets the
 * connection, losing replies at random), and runs of small sets, with and without replies.
 */
function longCommand(r: () => number): string {
  switch (int(r, 0, 3)) {
    case 0:
    case 1: {
      let line = pick(r, ['get', 'gets', 'get ', ' get']);
      for (let n = int(r, 100, 4000); n > 0; n--) line += pick(r, [' ', ' ', ' ', '  ']) + longLineKey(r);
      return line + '\r\n';
    }
    case 2: {
      let line = `${pick(r, ['gat', 'gats'])} ${token(r, TTLS)}`;
      for (let room = int(r, 300, 1990); ; ) {
        const k = ' ' + longLineKey(r);
        if (line.length + k.length > room) break;
        line += k;
      }
      return line + '\r\n';
    }
    default: {
      let run = '';
      const quiet = r() < 0.5 ? ' noreply' : '';
      for (let n = int(r, 50, 900), i = 0; i < n; i++) run += `set p${i} ${i % 3} 0 1${quiet}\r\n${i % 10}\r\n`;
      return run;
    }
  }
}

function textCommand(r: () => number, longLines: boolean): Buffer {
  if (longLines && r() < 0.15) return Buffer.from(longCommand(r), 'latin1');
  const roll = r();
  const line = roll < 0.3 ? storage(r) : roll < 0.45 ? retrieval(r) : roll < 0.65 ? other(r) : meta(r);
  return Buffer.from(line, 'latin1');
}

const OPCODES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x12,
  0x13, 0x14, 0x15, 0x16, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24, 0x25, 0x30, 0x99];
const SET_OPS = new Set([0x01, 0x02, 0x03, 0x11, 0x12, 0x13]);
const DELTA_OPS = new Set([0x05, 0x06, 0x15, 0x16]);
const TOUCH_OPS = new Set([0x1c, 0x1d, 0x1e, 0x23, 0x24]);
const BIN_NUMBERS = [0n, 1n, 5n, 100n, 0xffffffffffffffffn, 0x8000000000000000n];

function extrasFor(r: () => number, opcode: number): Buffer {
  if (r() < 0.1) {
    const junk = Buffer.alloc(pick(r, [0, 1, 4, 8, 20, 30]), int(r, 0, 255));
    // Four junk bytes on a flush would be a delayed flush (see below): zero them, keeping the draw.
    return (opcode === 0x08 || opcode === 0x18) && junk.length === 4 ? u32(0) : junk;
  }
  if (SET_OPS.has(opcode)) return setExtras(pick(r, [0, 7, 0xffffffff]), pick(r, [0, 0, -1, 1000, 2592001]));
  if (DELTA_OPS.has(opcode)) {
    return deltaExtras(pick(r, BIN_NUMBERS), pick(r, BIN_NUMBERS), pick(r, [0, 0xffffffff, 1000, -1 >>> 0]));
  }
  if (TOUCH_OPS.has(opcode)) return u32(pick(r, [0, 1000, 0xffffffff, 2592001]));
  // No delayed flush: one whose time has not come (or a time before start-up, which memcached reads as no
  // flush) lifts the batch reset's flush from items of earlier batches that memcached's maintainer has not
  // reclaimed yet, and when that happens depends on its thread's back-off (up to a second), not on a rule.
  // The rules themselves are fixed cases in differential-fuzz-findings.
  if (opcode === 0x08 || opcode === 0x18) return r() < 0.5 ? Buffer.alloc(0) : u32(0);
  if (opcode === 0x1b) return u32(1);
  return Buffer.alloc(0);
}

function binaryCommand(r: () => number, opaque: number): Buffer {
  const opcode = pick(r, OPCODES);
  const k = [0x08, 0x18, 0x0a, 0x0b, 0x1b].includes(opcode) && r() < 0.8 ? '' : key(r);
  const value = SET_OPS.has(opcode) || opcode === 0x0e || opcode === 0x0f || opcode === 0x19 || opcode === 0x1a
    ? pick(r, VALUES) : r() < 0.1 ? 'junk' : '';
  const cas = r() < 0.85 ? 0n : pick(r, [1n, 999999n, 0xffffffffffffffffn]);
  const p = packet({ opcode, key: k, extras: extrasFor(r, opcode), value, cas, opaque });
  // Now and then a frame whose body is shorter than its key and extras claim.
  if (r() < 0.02 && p.length > 24) p.writeUInt32BE(int(r, 0, p.length - 25), 8);
  if (r() < 0.01) p[0] = pick(r, [0x81, 0x00, 0x7f]);
  return p;
}

/** `longLines` mixes in longCommand's lines (off, a seed draws what it always drew). */
export function fuzzBatch(r: () => number, binary: boolean, length: number, longLines = false): FuzzBatch {
  const commands: Buffer[] = [];
  for (let i = 0; i < length; i++) commands.push(binary ? binaryCommand(r, i + 1) : textCommand(r, longLines));
  return { binary, commands };
}
