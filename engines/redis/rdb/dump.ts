// DUMP / RESTORE payloads: one RDB-encoded value, then the RDB version (u16le) and a CRC64 (u64le)
// of everything before it. Redis refuses payloads from a newer RDB version than its own, so the
// version a payload is written for matters just as for whole files. A value of a million elements
// takes seconds to encode or decode: both run in steps a caller may spread over slices.
import { Crc64 } from './crc64.ts';
import type { RdbValue } from './entries.ts';
import { RdbError } from './errors.ts';
import { MAX_READ_VERSION } from './format.ts';
import { decodeValueSteps } from './reader.ts';
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

export interface DecodedDump {
  value: RdbValue;
  version: number;
  rdbType: number;
}

/** Verifies the footer (a zero CRC counts as "not computed", as in files) and decodes the value. */
export function decodeDump(payload: Buffer, opts: { maxVersion?: number } = {}): DecodedDump {
  return runSteps(decodeDumpSteps(payload, opts));
}

/** decodeDump in steps. */
export function* decodeDumpSteps(payload: Buffer, opts: { maxVersion?: number } = {}): Steps<DecodedDump> {
  if (payload.length < FOOTER + 1) throw new RdbError('TRUNCATED', 'DUMP payload shorter than its footer', 0, FOOTER + 1);
  const bodyEnd = payload.length - FOOTER;
  const version = payload.readUInt16LE(bodyEnd);
  if (version > (opts.maxVersion ?? MAX_READ_VERSION)) throw new RdbError('VERSION', `DUMP payload is RDB version ${version}`, bodyEnd);
  const stored = payload.readBigUInt64LE(bodyEnd + 2);
  if (stored !== 0n) {
    const actual = (yield* crcOf(payload.subarray(0, bodyEnd + 2))).value;
    if (actual !== stored) throw new RdbError('CHECKSUM', 'DUMP payload CRC64 mismatch', bodyEnd + 2);
  }
  const { value, rdbType } = yield* decodeValueSteps(payload.subarray(0, bodyEnd), version);
  return { value, version, rdbType };
}
