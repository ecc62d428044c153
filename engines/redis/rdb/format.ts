// Opcodes and value type bytes of the RDB format, plus the versions we read and write.

export const OP = {
  SLOT_INFO: 0xf4, // Redis 7.4+ (RDB 12): per-slot size hints
  FUNCTION2: 0xf5,
  FUNCTION_PRE_GA: 0xf6,
  MODULE_AUX: 0xf7,
  IDLE: 0xf8,
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  EXPIRETIME_MS: 0xfc,
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const;

export const T = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

/** Versions the reader accepts: 12 (Redis 7.4) only as far as it shares encodings with 11. */
export const MIN_READ_VERSION = 1;
export const MAX_READ_VERSION = 12;

/**
 * Versions the writer produces: 9 = Redis 5.0-6.2 (ziplists), 10 = Redis 7.0 (listpacks, no set
 * listpack, stream v2), 11 = Redis 7.2 (set listpack, stream v3).
 */
export type RdbWriteVersion = 9 | 10 | 11;
export const WRITE_VERSIONS: readonly RdbWriteVersion[] = [9, 10, 11];

// Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
export const QL_PLAIN = 1;
export const QL_PACKED = 2;

// Stream listpack entry flags.
export const STREAM_FLAG_DELETED = 1;
export const STREAM_FLAG_SAMEFIELDS = 2;

// Module serialisation opcodes (RDB_MODULE_OPCODE_*), needed to skip MODULE_AUX payloads.
export const MOD = { EOF: 0, SINT: 1, UINT: 2, FLOAT: 3, DOUBLE: 4, STRING: 5 } as const;
