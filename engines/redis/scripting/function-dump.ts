// FUNCTION DUMP / RESTORE payloads: each library as an RDB function record (opcode 245 and the code
// as an RDB string), then the RDB version (u16le) and a CRC64 (u64le), as Redis 7.0 writes them.
import { Crc64 } from '../rdb/crc64.ts';
import { iterateRdb } from '../rdb/reader.ts';
import { encodeRdb } from '../rdb/writer.ts';
import { fail } from '../errors.ts';

const RDB_VERSION = 10;
const RDB_OPCODE_FUNCTION = 245;
const RDB_OPCODE_FUNCTION_PRE_GA = 246;
const HEADER = 9; // "REDIS0010"

export function dumpFunctions(codes: string[], compress = true): Buffer {
  const out = { payload: Buffer.alloc(0) };
  const steps = dumpFunctionsSteps(codes, out, compress);
  while (steps.next().done !== true);
  return out.payload;
}

/**
 * FUNCTION DUMP's payload, made in steps (a library each) for runSliced: it is in `out` at the end.
 * `compress` is rdbcompression: redis-server writes each code with rdbSaveRawString, LZF past 20 bytes only when it is on.
 */
export function* dumpFunctionsSteps(codes: string[], out: { payload: Buffer }, compress: boolean): Generator<void> {
  const parts: Buffer[] = [];
  for (const part of encodeRdb({ aux: new Map(), functions: codes.map((c) => Buffer.from(c, 'latin1')) }, [], { version: RDB_VERSION, checksum: false, compress })) {
    parts.push(part);
    yield;
  }
  const file = Buffer.concat(parts);
  const body = file.subarray(HEADER, file.length - 9);
  const payload = Buffer.alloc(body.length + 10);
  body.copy(payload);
  payload.writeUInt16LE(RDB_VERSION, body.length);
  payload.set(new Crc64().update(payload.subarray(0, body.length + 2)).bytes(), body.length + 2);
  out.payload = payload;
}

export function parseFunctionDump(payload: Buffer, skipChecksum = false): string[] {
  const bad = 'ERR DUMP payload version or checksum are wrong';
  if (payload.length < 10) fail(bad);
  const end = payload.length - 10;
  const version = payload.readUInt16LE(end);
  const crc = payload.readBigUInt64LE(end + 2);
  // No exception for a zero CRC: redis-server's verifyDumpPayload has none.
  if (version > 11 || (!skipChecksum && new Crc64().update(payload.subarray(0, end + 2)).value !== crc)) fail(bad);
  // What redis-server reads first is a record's type: only the function opcode is taken.
  if (end > 0 && payload[0] === RDB_OPCODE_FUNCTION_PRE_GA) fail('ERR Pre-GA function format not supported');
  if (end > 0 && payload[0] !== RDB_OPCODE_FUNCTION) fail('ERR given type is not a function');
  const file = Buffer.concat([Buffer.from(`REDIS${String(Math.max(version, 10)).padStart(4, '0')}`, 'latin1'), payload.subarray(0, end), Buffer.from([0xff]), Buffer.alloc(8)]);
  const codes: string[] = [];
  try {
    for (const rec of iterateRdb(file, { verifyChecksum: false })) {
      if (rec.kind === 'function') codes.push(rec.payload.toString('latin1'));
      else if (rec.kind !== 'header' && rec.kind !== 'eof') fail('ERR given type is not a function');
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('ERR')) throw err;
    fail('ERR payload is not a valid function dump');
  }
  return codes;
}
