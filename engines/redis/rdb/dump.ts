// DUMP / RESTORE payloads: one RDB-encoded value, then the RDB version (u16le) and a CRC64 (u64le)
// of everything before it. Redis refuses payloads from a newer RDB version than its own, so the
// version a payload is written for matters just as for whole files. A value of a million elements
// takes seconds to encode or decode: both run in steps a caller may spread over slices.
import { Crc64 } from './crc64.ts';
import type { RdbValue } from './entries.ts';
import { RdbError } from './errors.ts';
import { MAX_READ_VERSION, T } from './format.ts';
import { decodeValueSteps, type SanitizeTally } from './reader.ts';
import { encodeValueSteps, type RdbWriteOptions } from './writer.ts';
import { runSteps, type Steps } from '../../slices.ts';

const FOOTER = 10;
/** Bytes checksummed per step. */
const CRC_STEP = 1 << 16;

function* crcOf(b: Buffer): Steps<Crc64> {
  const crc = new Crc64();
  for (let at = 0; at < b.length; at += CRC_STEP) {
    crc.update(b.subarray(at, Math.min(b.length, at + CRC_STEP)));
    yield;
  }
  return crc;
}

export function encodeDump(value: RdbValue, opts: Omit<RdbWriteOptions, 'chunkSize' | 'checksum'> = {}): Buffer {
  return runSteps(encodeDumpSteps(value, opts));
}

/** encodeDump in steps. */
export function* encodeDumpSteps(value: RdbValue, opts: Omit<RdbWriteOptions, 'chunkSize' | 'checksum'> = {}): Steps<Buffer> {
  const body = yield* encodeValueSteps(value, opts);
  const out = Buffer.allocUnsafe(body.length + FOOTER);
  // A piece a step: the body of a 100 MB string that did not compress is as big.
  for (let at = 0; at < body.length; at += CRC_STEP) {
    body.copy(out, at, at, Math.min(body.length, at + CRC_STEP));
    if (at + CRC_STEP < body.length) yield;
  }
  out.writeUInt16LE(opts.version ?? 11, body.length);
  out.set((yield* crcOf(out.subarray(0, body.length + 2))).bytes(), body.length + 2);
  return out;
}

/**
 * A payload whose footer checks out but whose value does not load: RESTORE answers 'Bad data format'
 * there, not the footer's 'version or checksum' error.
 */
export class DumpBodyError extends RdbError {}

export interface DecodedDump {
  value: RdbValue;
  version: number;
  rdbType: number;
}

/**
 * What a payload's footer is checked against. Unlike a file's, a payload's zero CRC is not "not computed":
 * redis-server's verifyDumpPayload refuses it unless DEBUG SET-SKIP-CHECKSUM-VALIDATION is on.
 */
export interface DumpReadOptions {
  maxVersion?: number;
  skipChecksum?: boolean;
  /** Counts the containers the deep integrity check would see. */
  tally?: SanitizeTally;
}

/** Verifies the footer and decodes the value. */
export function decodeDump(payload: Buffer, opts: DumpReadOptions = {}): DecodedDump {
  return runSteps(decodeDumpSteps(payload, opts));
}

/** decodeDump in steps. */
export function* decodeDumpSteps(payload: Buffer, opts: DumpReadOptions = {}): Steps<DecodedDump> {
  if (payload.length < FOOTER) throw new RdbError('TRUNCATED', 'DUMP payload shorter than its footer', 0, FOOTER);
  const bodyEnd = payload.length - FOOTER;
  const version = payload.readUInt16LE(bodyEnd);
  if (version > (opts.maxVersion ?? MAX_READ_VERSION)) throw new RdbError('VERSION', `DUMP payload is RDB version ${version}`, bodyEnd);
  const stored = payload.readBigUInt64LE(bodyEnd + 2);
  if (opts.skipChecksum !== true) {
    const actual = (yield* crcOf(payload.subarray(0, bodyEnd + 2))).value;
    if (actual !== stored) throw new RdbError('CHECKSUM', 'DUMP payload CRC64 mismatch', bodyEnd + 2);
  }
  try {
    // Bytes after the value are not read, as redis-server's rdbLoadObject leaves them.
    const { value, rdbType } = yield* decodeValueSteps(payload.subarray(0, bodyEnd), version, opts.tally, false);
    return { value, version, rdbType };
  } catch (err) {
    if (err instanceof RdbError) throw new DumpBodyError(err.code, err.message);
    throw err;
  }
}

/** The checksum of a latin1 string's bytes, CRC_STEP of them a step. */
function* crcOfText(t: string): Steps<Crc64> {
  const crc = new Crc64();
  const piece = Buffer.allocUnsafe(CRC_STEP);
  for (let at = 0; at < t.length; at += CRC_STEP) {
    const n = piece.latin1Write(t.slice(at, at + CRC_STEP), 0);
    crc.update(piece.subarray(0, n));
    yield;
  }
  return crc;
}

/**
 * The value of a payload holding one string stored as raw bytes (rdbcompression no, or bytes LZF cannot
 * shrink), given as the latin1 text the command arrived in, else null (decode it as a Buffer). The value
 * is a slice of that text, which V8 makes without copying: a 200 MB string decoded and then copied into
 * a fresh string held every node 250-560 ms in one turn (the copy's page faults alone cost ~120 ms).
 * The footer is checked as decodeDumpSteps checks it, with the same errors.
 */
export function* rawStringOfDumpSteps(payload: string, opts: DumpReadOptions = {}): Steps<string | null> {
  if (payload.length < FOOTER + 2 || payload.charCodeAt(0) !== T.STRING) return null;
  const head = Buffer.from(payload.slice(1, 10), 'latin1');
  const b = head[0] as number;
  let start: number;
  let len: number;
  if (b >>> 6 === 0) [start, len] = [2, b & 0x3f];
  else if (b >>> 6 === 1) [start, len] = [3, ((b & 0x3f) << 8) | (head[1] as number)];
  else if (b === 0x80 && head.length >= 5) [start, len] = [6, head.readUInt32BE(1)];
  else if (b === 0x81 && head.length >= 9) [start, len] = [10, Number(head.readBigUInt64BE(1))];
  else return null;
  const bodyEnd = payload.length - FOOTER;
  if (start + len !== bodyEnd) return null;
  const footer = Buffer.from(payload.slice(bodyEnd), 'latin1');
  const version = footer.readUInt16LE(0);
  if (version > (opts.maxVersion ?? MAX_READ_VERSION)) throw new RdbError('VERSION', `DUMP payload is RDB version ${version}`, bodyEnd);
  const stored = footer.readBigUInt64LE(2);
  if (opts.skipChecksum !== true && (yield* crcOfText(payload.slice(0, bodyEnd + 2))).value !== stored) {
    throw new RdbError('CHECKSUM', 'DUMP payload CRC64 mismatch', bodyEnd + 2);
  }
  return payload.slice(start, bodyEnd);
}
