// memcached 1.6.18's per-opcode frame checks (dispatch_bin_command), and how much of the body each
// command reads: memcached consumes the header, extras and key first and leaves the value to the
// command, so a value sent to a command that reads none is parsed as the next request.
import { KEY_MAX_LENGTH } from './limits.ts';

/** Quiet opcodes are checked as their loud twins. */
const LOUD: Record<number, number> = {
  0x11: 0x01, 0x12: 0x02, 0x13: 0x03, 0x14: 0x04, 0x15: 0x05, 0x16: 0x06, 0x17: 0x07, 0x18: 0x08,
  0x19: 0x0e, 0x1a: 0x0f, 0x09: 0x00, 0x0d: 0x0c, 0x1e: 0x1d, 0x24: 0x23,
};

export type FrameCheck = 'ok' | 'invalid' | 'unknown';

export function checkFrame(opcode: number, keyLen: number, extLen: number, bodyLen: number): FrameCheck {
  const ok = (cond: boolean): FrameCheck => (cond ? 'ok' : 'invalid');
  switch (LOUD[opcode] ?? opcode) {
    case 0x0b: // version
    case 0x0a: // noop
    case 0x07: // quit
    case 0x20: // sasl list mechs
      return ok(extLen === 0 && keyLen === 0 && bodyLen === 0);
    case 0x08: // flush
      return ok(keyLen === 0 && bodyLen === extLen && (extLen === 0 || extLen === 4));
    case 0x01: // set, add, replace
    case 0x02:
    case 0x03:
      return ok(extLen === 8 && keyLen !== 0 && bodyLen >= keyLen + 8);
    case 0x00: // get, getk
    case 0x0c:
      return ok(extLen === 0 && bodyLen === keyLen && keyLen > 0);
    case 0x04: // delete
      return ok(keyLen > 0 && extLen === 0 && bodyLen === keyLen);
    case 0x05: // incr, decr
    case 0x06:
      return ok(keyLen > 0 && extLen === 20 && bodyLen === keyLen + extLen);
    case 0x0e: // append, prepend
    case 0x0f:
      return ok(keyLen > 0 && extLen === 0);
    case 0x10: // stat
      return ok(extLen === 0);
    case 0x21: // sasl auth, step
    case 0x22:
      return ok(extLen === 0 && keyLen !== 0);
    case 0x1c: // touch, gat, gatk
    case 0x1d:
    case 0x23:
      return ok(extLen === 4 && keyLen !== 0);
    default:
      return 'unknown';
  }
}

/**
 * Bytes after the header a well-formed command takes from the stream. Stat and touch read no value,
 * so theirs is parsed as the next request; an unknown opcode swallows its whole body length after
 * the extras and key already read, as memcached's write_bin_error does.
 */
export function bytesConsumed(opcode: number, keyLen: number, extLen: number, bodyLen: number, check: FrameCheck): number {
  if (check === 'unknown') return extLen + keyLen + bodyLen;
  switch (LOUD[opcode] ?? opcode) {
    case 0x10:
    case 0x1c:
    case 0x1d:
    case 0x23:
      return extLen + keyLen;
    default:
      return bodyLen;
  }
}

/**
 * A storage command with a sound frame: memcached reads its extras and key before it allocates the
 * item, so even a value too large to hold is refused knowing its key (a refused SET unlinks it).
 */
export function readsKeyBeforeValue(header: Buffer): boolean {
  const opcode = LOUD[header[1]!] ?? header[1]!;
  const keyLen = header.readUInt16BE(2);
  const storage = opcode === 0x01 || opcode === 0x02 || opcode === 0x03 || opcode === 0x0e || opcode === 0x0f;
  return storage && keyLen <= KEY_MAX_LENGTH && checkFrame(opcode, keyLen, header[4]!, header.readUInt32BE(8)) === 'ok';
}
