// A client's reply buffer as redis-server 7.0 sizes it (CLIENT LIST's rbs and rbp): it starts at 16 KB,
// and clientsCron shrinks it to its recent peak when the peak stayed under half of it (not below 1 KB),
// or doubles it (up to 16 KB) when a reply filled it. The peak is what the buffer held before the
// socket took it (a new client's is its whole buffer), reset to the bytes still held every peak-reset-time (5 s; DEBUG REPLYBUFFER changes it
// and turns resizing off). The buffer is part of the client's memory (tot-mem, client eviction).
import type { Client } from './client.ts';

const REPLY_CHUNK = 16384;
const REPLY_MIN = 1024;
export const DEFAULT_PEAK_RESET_MS = 5000;

/** The usable size jemalloc gives a request of n bytes (n >= 1024): four size classes per doubling. */
function jemallocSize(n: number): number {
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

export class ReplyBuffer {
  size = REPLY_CHUNK;
  /** A new client's peak is its whole buffer, so the cron does not shrink it before the first reset. */
  peak = REPLY_CHUNK;
  constructor(public peakResetAt: number) {}

  /** `bytes` of replies wait for the socket together: they sit in the buffer, up to its size. */
  held(bytes: number): void {
    const held = Math.min(bytes, this.size);
    if (held > this.peak) this.peak = held;
  }
}

/** Engine-wide settings DEBUG REPLYBUFFER changes. */
export interface ReplyBufferSettings {
  /** Milliseconds between peak resets; negative: never. */
  peakResetMs: number;
  resizing: boolean;
}

/** clientsCronResizeOutputBuffer: between flushes nothing is held, so a reset peak is 0. */
export function resizeReplyBuffer(c: Client, now: number, s: ReplyBufferSettings): void {
  if (!s.resizing) return;
  const b = c.replyBuffer;
  const shrinkTo = b.size / 2;
  const growTo = b.size * 2;
  let next = 0;
  if (shrinkTo >= REPLY_MIN && b.peak < shrinkTo) next = Math.max(REPLY_MIN, b.peak + 1);
  else if (growTo < REPLY_CHUNK * 2 && b.peak === b.size) next = Math.min(REPLY_CHUNK, growTo);
  if (s.peakResetMs >= 0 && now - b.peakResetAt >= s.peakResetMs) {
    b.peak = 0;
    b.peakResetAt = now;
  }
  if (next !== 0) b.size = jemallocSize(next);
}
