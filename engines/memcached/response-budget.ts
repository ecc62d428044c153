// memcached 1.6's -o read_buf_mem_limit: read buffers and response objects come from one pool of 16 KiB
// buffers per worker thread (the limit split between -t threads, at least one buffer each). A
// connection holds one buffer to read into while it runs commands; the rest hold bundles of response
// objects, one per reply (one per key of a multiget) until the replies are written. Past that,
// memcached counts response_obj_oom and answers what it can (see its uses).
import type { Settings } from './context.ts';

const READ_BUFFER_SIZE = 16384;
/** MAX_RESP_PER_BUNDLE on 64-bit builds: (16384 - 24-byte bundle header) / 1184-byte mc_resp. */
const RESPONSES_PER_BUNDLE = 13;

/** Replies a connection may hold unwritten at once; Infinity without a limit. */
export function responseCapacity(settings: Settings): number {
  if (settings.readBufMemLimit <= 0) return Infinity;
  const buffers = Math.max(1, Math.floor(settings.readBufMemLimit / settings.workerThreads / READ_BUFFER_SIZE));
  return (buffers - 1) * RESPONSES_PER_BUNDLE;
}
