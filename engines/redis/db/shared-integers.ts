// redis-server keeps one object for each of the integers 0-9999 (shared.integers) and gives it to every
// key storing that number while maxmemory is 0 or the policy is neither LRU nor LFU: under an LFU policy
// every key holding it then touches ONE access counter (50 GETs of `hot` raise OBJECT FREQ of `cold`
// too, when both hold 1). This is that counter, one per integer, per node.
import { LFU_INIT, type Stored } from './keydict.ts';

export const SHARED_INTEGERS = 10_000;

/** The shared integer a stored value is, or -1 (a value of its own, encoded otherwise). */
export function sharedIntegerOf(v: Stored): number {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (v.type === 'string' && v.enc === 'auto') s = v.v;
  else return -1;
  const n = s.length;
  if (n === 0 || n > 4 || (n > 1 && s.charCodeAt(0) === 48)) return -1;
  let x = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x;
}

export class SharedIntegerLfu {
  private readonly counters = new Uint8Array(SHARED_INTEGERS);
  /** Minute of the last decay; 0: not touched under LFU since it last served LRU, so reads 0. */
  private readonly minutes = new Float64Array(SHARED_INTEGERS);

  /** The counter after lfu-decay-time, as OBJECT FREQ reports it; null when never touched under LFU. */
  freq(n: number, now: number, decayTime: number): number | null {
    const at = this.minutes[n] as number;
    if (at === 0) return null;
    const periods = decayTime > 0 ? Math.floor((Math.floor(now / 60000) - at) / decayTime) : 0;
    return Math.max(0, (this.counters[n] as number) - periods);
  }

  /** An access under LFU (redis-server's updateLFU on the shared object). */
  touch(n: number, now: number, logFactor: number, decayTime: number): void {
    let c = this.freq(n, now, decayTime) ?? 0;
    if (c < 255 && Math.random() < 1 / (Math.max(0, c - LFU_INIT) * logFactor + 1)) c++;
    this.counters[n] = c;
    this.minutes[n] = Math.floor(now / 60000);
  }

  /** Sets the counter (RESTORE FREQ of a shared integer). */
  set(n: number, counter: number, now: number): void {
    this.counters[n] = counter;
    this.minutes[n] = Math.floor(now / 60000);
  }

  /** The policy left LFU: redis-server's touches then write LRU clocks there, which read as no frequency. */
  forget(): void {
    this.minutes.fill(0);
  }
}
