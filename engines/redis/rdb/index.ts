// RDB snapshot files, compatible with real Redis both ways.
//   writeRdb / encodeRdb   neutral entries -> RDB 9 (Redis 6.x), 10 (7.0) or 11 (7.2) bytes
//   readRdb / iterateRdb   RDB 1-11 (and 12 minus hash-field-TTL types) -> neutral entries
//   RdbStreamReader        the same, fed in arbitrary chunks (replication, files read piecewise)
//   encodeDump/decodeDump  DUMP / RESTORE payloads (one value + version + CRC64)
//   keyspace-adapter.ts    neutral entries <-> the engine's databases
export * from './entries.ts';
export { RdbError, type RdbErrorCode } from './errors.ts';
export { T as RDB_TYPE, OP as RDB_OPCODE, WRITE_VERSIONS, type RdbWriteVersion } from './format.ts';
export { readRdb, iterateRdb, decodeValue, RdbStreamReader, moduleTypeName, type RdbRecord, type RdbReadOptions } from './reader.ts';
export { writeRdb, encodeRdb, encodeValue, DEFAULT_THRESHOLDS, type RdbWriteOptions, type RdbHeader, type DbSizeHint, type EncodingThresholds } from './writer.ts';
export { writeRdbFile, readRdbFile, iterateRdbFile } from './files.ts';
export { encodeDump, decodeDump, type DecodedDump } from './dump.ts';
export { crc64, Crc64 } from './crc64.ts';
