// Redis's defaults, one named constant each. The configurable ones seed the server's config and
// can be changed at runtime with CONFIG SET in bare mode; the rest are fixed as in Redis.
export const limits = {
  /** proto-max-bulk-len: largest single argument. */
  PROTO_MAX_BULK_LEN: 512 * 1024 * 1024,
  /** Largest multibulk count Redis accepts (INT_MAX). */
  PROTO_MAX_MULTIBULK_LEN: 2147483647,
  /** An inline command, or an unterminated `*`/`$` header line, longer than this is an error. */
  PROTO_INLINE_MAX_SIZE: 64 * 1024,
  /** client-query-buffer-limit: bytes buffered for one incomplete command before the client is dropped. */
  CLIENT_QUERY_BUFFER_LIMIT: 1024 * 1024 * 1024,
  /** maxclients. */
  MAX_CLIENTS: 10000,
  /** client-output-buffer-limit pubsub 32mb 8mb 60 */
  PUBSUB_OUTPUT_HARD_LIMIT: 32 * 1024 * 1024,
  PUBSUB_OUTPUT_SOFT_LIMIT: 8 * 1024 * 1024,
  PUBSUB_OUTPUT_SOFT_SECONDS: 60,
  /** maxmemory-samples */
  MAXMEMORY_SAMPLES: 5,
  /** hz: active expiry and other cron work run this many times a second. */
  HZ: 10,
  /** Active expiry: keys sampled per loop, and the share of a cron tick it may use. */
  ACTIVE_EXPIRE_KEYS_PER_LOOP: 20,
  ACTIVE_EXPIRE_TIME_PERC: 25,
  /** slowlog-log-slower-than (microseconds) and slowlog-max-len. */
  SLOWLOG_SLOWER_THAN: 10000,
  SLOWLOG_MAX_LEN: 128,
  /** Encoding thresholds reported by OBJECT ENCODING (Redis 7.0 defaults). */
  HASH_MAX_LISTPACK_ENTRIES: 512,
  HASH_MAX_LISTPACK_VALUE: 64,
  ZSET_MAX_LISTPACK_ENTRIES: 128,
  ZSET_MAX_LISTPACK_VALUE: 64,
  SET_MAX_INTSET_ENTRIES: 512,
  /** Strings up to this length are created embstr. */
  EMBSTR_MAX: 44,
  /** lfu-log-factor and lfu-decay-time (minutes). */
  LFU_LOG_FACTOR: 10,
  LFU_DECAY_TIME: 1,
} as const;
