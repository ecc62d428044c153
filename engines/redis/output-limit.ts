// client-output-buffer-limit for the normal class, checked as a reply is written in slices: a client is
// dropped once its output passes the hard limit, or stays over the soft limit longer than its seconds, as
// redis-server drops it. redis-server counts a reply whole, since it writes nothing before the command
// ends; the caller passes the bytes of the reply so far for that reason. Both limits are 0 (off) by default.
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';

export function overOutputLimit(c: Client, replyBytes: number): boolean {
  const cfg = c.engine.config;
  if (cfg.normalHardLimit === 0 && cfg.normalSoftLimit === 0) return false;
  const pending = Math.max(c.conn.writableLength + c.w.pendingBytes, replyBytes);
  if (cfg.normalHardLimit > 0 && pending > cfg.normalHardLimit) return true;
  if (cfg.normalSoftLimit > 0 && pending > cfg.normalSoftLimit) {
    const now = c.engine.clock.now();
    if (c.softLimitSince === 0) c.softLimitSince = now;
    else if (now - c.softLimitSince > cfg.normalSoftSeconds * 1000) return true;
  } else {
    c.softLimitSince = 0;
  }
  return false;
}

/**
 * The clients cron checks soft limits too, as redis-server's clientsCron does: a client over its soft
 * limit that gets no more output is still closed once the limit's seconds pass.
 */
export function softLimitsInCron(e: Engine): void {
  const cfg = e.config;
  const now = e.clock.now();
  for (const c of e.clients.values()) {
    if (c.softLimitSince === 0 || c.closed) continue;
    const pubsub = c.inPubSubContext;
    const soft = pubsub ? cfg.pubsubSoftLimit : cfg.normalSoftLimit;
    const seconds = pubsub ? cfg.pubsubSoftSeconds : cfg.normalSoftSeconds;
    if (soft === 0 || c.conn.writableLength + c.w.pendingBytes <= soft) c.softLimitSince = 0;
    else if (now - c.softLimitSince > seconds * 1000) e.closeClient(c, true);
  }
}
