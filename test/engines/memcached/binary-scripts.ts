// Binary-protocol packet sequences replayed against real memcached and our engine.
import { deltaExtras, packet, setExtras, u32 } from './binary-helpers.ts';

const GET = 0x00, SET = 0x01, ADD = 0x02, REPLACE = 0x03, DELETE = 0x04, INCR = 0x05, DECR = 0x06;
const QUIT = 0x07, FLUSH = 0x08, GETQ = 0x09, VERSION = 0x0b, GETK = 0x0c, GETKQ = 0x0d;
const APPEND = 0x0e, PREPEND = 0x0f, SETQ = 0x11, ADDQ = 0x12, DELETEQ = 0x14, INCRQ = 0x15;
const QUITQ = 0x17, APPENDQ = 0x19, TOUCH = 0x1c, GAT = 0x1d, GATQ = 0x1e, GATK = 0x23;

export const BINARY_SCRIPTS: Record<string, Buffer[]> = {
  'get/set': [
    packet({ opcode: SET, key: 'b1', extras: setExtras(7, 0), value: 'hello', opaque: 1 }),
    packet({ opcode: GET, key: 'b1', opaque: 2 }),
    packet({ opcode: GETK, key: 'b1', opaque: 3 }),
    packet({ opcode: GET, key: 'nope', opaque: 4 }),
    packet({ opcode: GETK, key: 'nope', opaque: 5 }),
    packet({ opcode: GETQ, key: 'nope', opaque: 6 }),
    packet({ opcode: GETKQ, key: 'nope', opaque: 7 }),
    packet({ opcode: GETKQ, key: 'b1', opaque: 8 }),
  ],
  'add/replace/cas': [
    packet({ opcode: ADD, key: 'b2', extras: setExtras(0, 0), value: 'a', opaque: 1 }),
    packet({ opcode: ADD, key: 'b2', extras: setExtras(0, 0), value: 'b', opaque: 2 }),
    packet({ opcode: REPLACE, key: 'b2nope', extras: setExtras(0, 0), value: 'b', opaque: 3 }),
    packet({ opcode: REPLACE, key: 'b2', extras: setExtras(1, 0), value: 'c', opaque: 4 }),
    packet({ opcode: SET, key: 'b2', extras: setExtras(0, 0), value: 'd', cas: 999999n, opaque: 5 }),
    packet({ opcode: SET, key: 'b2nope', extras: setExtras(0, 0), value: 'd', cas: 5n, opaque: 6 }),
    packet({ opcode: SETQ, key: 'b2q', extras: setExtras(0, 0), value: 'q', opaque: 7 }),
    packet({ opcode: ADDQ, key: 'b2q', extras: setExtras(0, 0), value: 'q', opaque: 8 }),
    packet({ opcode: GET, key: 'b2', opaque: 9 }),
  ],
  'append/prepend': [
    packet({ opcode: APPEND, key: 'b3', value: 'x', opaque: 1 }),
    packet({ opcode: SET, key: 'b3', extras: setExtras(3, 0), value: 'm', opaque: 2 }),
    packet({ opcode: APPEND, key: 'b3', value: 'z', opaque: 3 }),
    packet({ opcode: PREPEND, key: 'b3', value: 'a', opaque: 4 }),
    packet({ opcode: APPENDQ, key: 'b3', value: '!', opaque: 5 }),
    packet({ opcode: GET, key: 'b3', opaque: 6 }),
  ],
  delete: [
    packet({ opcode: DELETE, key: 'b4', opaque: 1 }),
    packet({ opcode: SET, key: 'b4', extras: setExtras(0, 0), value: 'x', opaque: 2 }),
    packet({ opcode: DELETE, key: 'b4', cas: 12345678n, opaque: 3 }),
    packet({ opcode: DELETEQ, key: 'b4', opaque: 4 }),
    packet({ opcode: DELETEQ, key: 'b4', opaque: 5 }),
  ],
  arithmetic: [
    packet({ opcode: INCR, key: 'b5', extras: deltaExtras(1n, 10n, 0xffffffff), opaque: 1 }),
    packet({ opcode: INCR, key: 'b5', extras: deltaExtras(1n, 10n, 0), opaque: 2 }),
    packet({ opcode: INCR, key: 'b5', extras: deltaExtras(5n, 10n, 0), opaque: 3 }),
    packet({ opcode: DECR, key: 'b5', extras: deltaExtras(100n, 0n, 0), opaque: 4 }),
    packet({ opcode: INCR, key: 'b5', extras: deltaExtras(0xffffffffffffffffn, 0n, 0), opaque: 5 }),
    packet({ opcode: INCRQ, key: 'b5', extras: deltaExtras(1n, 0n, 0), opaque: 6 }),
    packet({ opcode: GET, key: 'b5', opaque: 7 }),
    packet({ opcode: SET, key: 'b5s', extras: setExtras(0, 0), value: 'abc', opaque: 8 }),
    packet({ opcode: INCR, key: 'b5s', extras: deltaExtras(1n, 0n, 0), opaque: 9 }),
    packet({ opcode: INCR, key: 'b5', extras: Buffer.alloc(4), opaque: 10 }),
  ],
  'touch/gat': [
    packet({ opcode: TOUCH, key: 'b6', extras: u32(100), opaque: 1 }),
    packet({ opcode: SET, key: 'b6', extras: setExtras(9, 0), value: 'x', opaque: 2 }),
    packet({ opcode: TOUCH, key: 'b6', extras: u32(100), opaque: 3 }),
    packet({ opcode: GAT, key: 'b6', extras: u32(100), opaque: 4 }),
    packet({ opcode: GATK, key: 'b6', extras: u32(100), opaque: 5 }),
    packet({ opcode: GATQ, key: 'nope', extras: u32(100), opaque: 6 }),
    packet({ opcode: GAT, key: 'nope', extras: u32(100), opaque: 7 }),
  ],
  misc: [
    packet({ opcode: VERSION, opaque: 1 }),
    packet({ opcode: 0x55, opaque: 3 }),
    packet({ opcode: SET, key: 'b7', extras: setExtras(0, -1), value: 'x', opaque: 4 }),
    packet({ opcode: GET, key: 'b7', opaque: 5 }),
  ],
  invalid: [
    packet({ opcode: GET, key: 'b8', extras: u32(1), opaque: 1 }),
    packet({ opcode: SET, key: 'b8', value: 'x', opaque: 2 }),
    packet({ opcode: GET, opaque: 3 }),
  ],
  'key too long': [packet({ opcode: GET, key: 'k'.repeat(251), opaque: 1 })],
  quit: [packet({ opcode: QUIT, opaque: 1 })],
  quitq: [packet({ opcode: QUITQ, opaque: 1 })],
  'too large': [
    packet({ opcode: SET, key: 'b9', extras: setExtras(0, 0), value: 'small', opaque: 1 }),
    packet({ opcode: SET, key: 'b9', extras: setExtras(0, 0), value: Buffer.alloc(1048576, 97), opaque: 2 }),
    packet({ opcode: GET, key: 'b9', opaque: 3 }),
  ],
  // Values past what the engine buffers (2 MB): memcached still reads the key, so a refused SET/SETQ
  // unlinks the old value (pylibmc's binary set of a too-big value left it readable), ADD/APPEND keep it.
  'too large to buffer': [
    packet({ opcode: SET, key: 'b13', extras: setExtras(0, 0), value: 'small', opaque: 1 }),
    packet({ opcode: ADD, key: 'b13', extras: setExtras(0, 0), value: Buffer.alloc(2 << 20, 97), opaque: 2 }),
    packet({ opcode: APPEND, key: 'b13', value: Buffer.alloc(2 << 20, 97), opaque: 3 }),
    packet({ opcode: GET, key: 'b13', opaque: 4 }),
    packet({ opcode: SET, key: 'b13', extras: setExtras(0, 0), value: Buffer.alloc(2 << 20, 98), opaque: 5 }),
    packet({ opcode: GET, key: 'b13', opaque: 6 }),
    packet({ opcode: SET, key: 'b14', extras: setExtras(0, 0), value: 'small', opaque: 7 }),
    packet({ opcode: SETQ, key: 'b14', extras: setExtras(0, 0), value: Buffer.alloc(3 << 20, 99), opaque: 8 }),
    packet({ opcode: GETK, key: 'b14', opaque: 9 }),
  ],
  // memcached answers a malformed frame with "Unknown command" and hangs up.
  'short body': [packet({ opcode: SET, key: 'abc', extras: setExtras(0, 0), bodyLength: 5, opaque: 9 })],
  'too large append': [
    packet({ opcode: SET, key: 'b11', extras: setExtras(0, 0), value: Buffer.alloc(1048000, 97), opaque: 1 }),
    packet({ opcode: APPEND, key: 'b11', value: Buffer.alloc(1000, 98), opaque: 2 }),
  ],
  stats: [packet({ opcode: 0x10, key: 'bogus', opaque: 1 }), packet({ opcode: 0x10, key: 'reset', opaque: 2 })],
  // Binary stats take settings by prefix and items/slabs/sizes by exact name, have no conns, and
  // sizes_disable answers without the terminating packet (found with pylibmc's get_stats('conns')).
  'stats groups': [
    packet({ opcode: 0x10, key: 'conns', opaque: 1 }),
    packet({ opcode: 0x10, key: 'items X', opaque: 2 }),
    packet({ opcode: 0x10, key: 'sizes', opaque: 3 }),
    packet({ opcode: 0x10, key: 'sizes_disable', opaque: 4 }),
    packet({ opcode: 0x10, key: 'aggregate', opaque: 5 }),
  ],
  'quiet misses and errors': [
    packet({ opcode: 0x1a, key: 'b12', value: 'x', opaque: 1 }),
    packet({ opcode: APPENDQ, key: 'b12', value: 'x', opaque: 2 }),
    packet({ opcode: DELETEQ, key: 'b12', opaque: 3 }),
    packet({ opcode: INCRQ, key: 'b12', extras: deltaExtras(1n, 0n, 0xffffffff), opaque: 4 }),
    packet({ opcode: 0x13, key: 'b12', extras: setExtras(0, 0), value: 'r', opaque: 5 }),
    packet({ opcode: ADDQ, key: 'b12', extras: setExtras(0, 0), value: 'a', opaque: 6 }),
    packet({ opcode: ADDQ, key: 'b12', extras: setExtras(0, 0), value: 'a', opaque: 7 }),
    packet({ opcode: GETKQ, key: 'b12', opaque: 8 }),
    packet({ opcode: 0x16, key: 'b12', extras: deltaExtras(1n, 0n, 0), opaque: 9 }),
  ],
  'cas on append and delete': [
    packet({ opcode: SET, key: 'b13', extras: setExtras(0, 0), value: 'x', opaque: 1 }),
    packet({ opcode: APPEND, key: 'b13', value: 'y', cas: 424242n, opaque: 2 }),
    packet({ opcode: APPEND, key: 'b13nope', value: 'y', cas: 424242n, opaque: 3 }),
    packet({ opcode: ADD, key: 'b13', extras: setExtras(0, 0), value: 'z', cas: 424242n, opaque: 4 }),
    packet({ opcode: REPLACE, key: 'b13', extras: setExtras(0, 0), value: 'z', cas: 424242n, opaque: 5 }),
    packet({ opcode: DELETE, key: 'b13nope', cas: 424242n, opaque: 6 }),
    packet({ opcode: TOUCH, key: 'b13', extras: u32(0), opaque: 7 }),
    packet({ opcode: GATK, key: 'b13', extras: u32(0), opaque: 8 }),
  ],
  'flush with delay and stats items': [
    packet({ opcode: SET, key: 'b14', extras: setExtras(0, 0), value: 'x', opaque: 1 }),
    packet({ opcode: FLUSH, extras: u32(1000), opaque: 2 }),
    packet({ opcode: GET, key: 'b14', opaque: 3 }),
    packet({ opcode: 0x10, key: 'sizes', opaque: 4 }),
  ],
  'opaque and key echo': [
    packet({ opcode: SET, key: 'b15', extras: setExtras(0xdeadbeef, 0), value: '', opaque: 0xffffffff }),
    packet({ opcode: GETK, key: 'b15', opaque: 0x01020304 }),
    packet({ opcode: GETKQ, key: 'b15', opaque: 5 }),
    packet({ opcode: VERSION, opaque: 6 }),
  ],
  'stats detail': [
    packet({ opcode: 0x10, key: 'detail on', opaque: 1 }),
    packet({ opcode: SET, key: 'bd:1', extras: setExtras(0, 0), value: 'x', opaque: 2 }),
    packet({ opcode: GET, key: 'bd:1', opaque: 3 }),
    packet({ opcode: GET, key: 'bx:1', opaque: 4 }),
    packet({ opcode: DELETE, key: 'bd:1', opaque: 5 }),
    packet({ opcode: APPEND, key: 'ba:1', value: 'x', opaque: 6 }),
    packet({ opcode: 0x10, key: 'detail dump', opaque: 7 }),
    packet({ opcode: 0x10, key: 'detail bogus', opaque: 8 }),
    packet({ opcode: 0x10, key: 'detail off', opaque: 9 }),
    packet({ opcode: 0x10, key: 'resetting', opaque: 10 }),
    packet({ opcode: 0x10, key: 'detail dump', opaque: 11 }),
  ],
  flush: [
    packet({ opcode: SET, key: 'b10', extras: setExtras(0, 0), value: 'x', opaque: 1 }),
    packet({ opcode: FLUSH, opaque: 2 }),
    packet({ opcode: GET, key: 'b10', opaque: 3 }),
  ],
};
