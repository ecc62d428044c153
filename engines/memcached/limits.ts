// Every limit mirrors a memcached 1.6 default or compile-time constant, so behaviour at the edges matches.

/** KEY_MAX_LENGTH: longer keys get `CLIENT_ERROR bad command line format`. */
export const KEY_MAX_LENGTH = 250;
/** memcached closes a connection whose unterminated command line grows past this (unless it is a get). */
export const MAX_UNTERMINATED_LINE = 2048;
/** A multiget line may exceed the line limit; this bounds how much of one we buffer before giving up. */
export const MAX_MULTIGET_LINE = 1024 * 1024;
/** -I default. */
export const DEFAULT_ITEM_SIZE_MAX = 1024 * 1024;
/** -m default (64 MiB). */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
/** -c default. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Expiration values above 30 days are absolute Unix times. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;
/** memcached's clock (rel_time_t) reads 62 at start-up: process_started is ITEM_UPDATE_INTERVAL + 2 s in the past. */
export const CLOCK_START_OFFSET = 62;
/** sizeof(item) on 64-bit builds plus the 8-byte CAS: the per-item overhead memcached charges. */
export const ITEM_HEADER_SIZE = 48;
export const ITEM_CAS_SIZE = 8;
/** sizeof(item_chunk): the header of each chunk holding part of a chunked (larger than slab_chunk_max) value. */
export const ITEM_CHUNK_HEADER_SIZE = 48;
/** Meta opaque tokens (including the leading 'O') are capped at this length. */
export const MAX_OPAQUE_TOKEN = 32;
/** Meta lines with this many tokens or more are rejected ("options flags are too long"). */
export const MAX_META_LINE_TOKENS = 20;
/** Slab allocator geometry: -n (bytes of key+value in the smallest chunk, on top of the item header) and -f. */
export const DEFAULT_CHUNK_SIZE = 48;
export const DEFAULT_GROWTH_FACTOR = 1.25;
/** Largest slab chunk; bigger items are stored as chains of such chunks (-o slab_chunk_max). */
export const DEFAULT_SLAB_CHUNK_MAX = 512 * 1024;
export const SLAB_PAGE_SIZE = 1024 * 1024;
/** MAX_NUMBER_OF_SLAB_CLASSES: class ids run 1..63 (0 is the global page pool). */
export const MAX_SLAB_CLASSES = 64;
/** logger_watcher_buf_size: log bytes queued to a watcher that does not read before lines are skipped. */
export const WATCHER_BUFFER = 256 * 1024;
/** logger_buf_size: each worker thread's log buffer (reported only: ours logs straight to the watchers). */
export const WORKER_LOG_BUFFER = 64 * 1024;
/** Output bytes queued to one slow reader before we stop reading its requests (back-pressure). */
export const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/** Binary header length. */
export const BINARY_HEADER_LENGTH = 24;
/** Largest 64-bit unsigned value, used by incr/decr wrap-around. */
export const U64_MAX = (1n << 64n) - 1n;

/** memcached's initial hash table size, 2^16 buckets, when -o hashpower is not given. */
export const DEFAULT_HASHPOWER = 16;
