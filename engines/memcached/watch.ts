// `watch`: connections that turned into log streams, and the log lines memcached 1.6 sends them.
import type { Item } from './item.ts';

/** The stream names 1.6.18 accepts; any other word makes `watch` answer ERROR. */
const FLAGS = new Set(['rawcmds', 'evictions', 'fetchers', 'mutations', 'sysevents', 'connevents', 'proxyreqs', 'proxyevents', 'proxyuser']);

export interface Watcher {
  readonly flags: ReadonlySet<string>;
  send(line: string): void;
}

/** Parses the words after `watch`: the flag set, or null when one is unknown. No words = fetchers. */
export function parseWatchFlags(words: string[]): Set<string> | null {
  if (words.length === 0) return new Set(['fetchers']);
  for (const w of words) if (!FLAGS.has(w)) return null;
  return new Set(words);
}

export class WatchLog {
  readonly watchers = new Set<Watcher>();
  private gid = 0;

  /** The connection whose command is running, for the cfd field. */
  activeFd = 0;

  constructor(private readonly nowMs: () => number) {}

  /** Cheap test so the hot paths build no strings while nobody watches. */
  wants(flag: string): boolean {
    if (this.watchers.size === 0) return false;
    for (const w of this.watchers) if (w.flags.has(flag)) return true;
    return false;
  }

  private emit(flag: string, body: string): void {
    const ms = this.nowMs();
    const line = `ts=${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')} gid=${++this.gid} ${body}\n`;
    for (const w of this.watchers) if (w.flags.has(flag)) w.send(line);
  }

  fetched(key: string, item: Item | undefined, status: string, clsid: number): void {
    if (!this.wants('fetchers')) return;
    const size = item?.value.length ?? 0;
    this.emit('fetchers', `type=item_get key=${uriEncodeKey(key)} status=${status} clsid=${clsid} cfd=${this.activeFd} size=${size}`);
  }

  stored(key: string, status: string, cmd: string, ttl: number, clsid: number, size: number): void {
    if (!this.wants('mutations')) return;
    this.emit('mutations', `type=item_store key=${uriEncodeKey(key)} status=${status} cmd=${cmd} ttl=${ttl} clsid=${clsid} cfd=${this.activeFd} size=${size}`);
  }

  evicted(item: Item, ttl: number, lastAccess: number, clsid: number): void {
    if (!this.wants('evictions')) return;
    this.emit('evictions', `type=eviction key=${uriEncodeKey(item.key)} fetch=${item.fetched ? 'yes' : 'no'} ttl=${ttl} la=${lastAccess} clsid=${clsid}`);
  }

  connectionOpened(remoteHost: string, remotePort: number, fd: number): void {
    if (!this.wants('connevents')) return;
    this.emit('connevents', `type=conn_new rip=${remoteHost} rport=${remotePort} transport=tcp cfd=${fd}`);
  }

  connectionClosed(remoteHost: string, remotePort: number, fd: number, reason: string): void {
    if (!this.wants('connevents')) return;
    this.emit('connevents', `type=conn_close rip=${remoteHost} rport=${remotePort} transport=tcp reason=${reason} cfd=${fd}`);
  }
}

/** memcached's URI encoding for keys in logs and dumps: unreserved characters stay, the rest become %XX. */
export function uriEncodeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const unreserved =
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
    out += unreserved ? key[i] : '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
