// Counters named exactly as memcached's `stats` fields, so printing them is a plain walk.

export function newCounters() {
  return {
    cmd_get: 0,
    cmd_set: 0,
    cmd_flush: 0,
    cmd_touch: 0,
    cmd_meta: 0,
    get_hits: 0,
    get_misses: 0,
    get_expired: 0,
    get_flushed: 0,
    delete_misses: 0,
    delete_hits: 0,
    incr_misses: 0,
    incr_hits: 0,
    decr_misses: 0,
    decr_hits: 0,
    cas_misses: 0,
    cas_hits: 0,
    cas_badval: 0,
    touch_hits: 0,
    touch_misses: 0,
    store_too_large: 0,
    store_no_memory: 0,
    auth_cmds: 0,
    auth_errors: 0,
    bytes_read: 0,
    bytes_written: 0,
    total_items: 0,
    total_connections: 0,
    rejected_connections: 0,
    idle_kicks: 0,
    conn_yields: 0,
    response_obj_oom: 0,
    read_buf_oom: 0,
    ssl_handshake_errors: 0,
    ssl_new_sessions: 0,
  };
}

export type Counters = ReturnType<typeof newCounters>;
