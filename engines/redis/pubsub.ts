// Channel, pattern and shard-channel subscriptions and message delivery.
import type { Client } from './client.ts';
import { globMatch } from './glob.ts';
import { pushTo } from './push.ts';

export type SubKind = 'channel' | 'pattern' | 'shard';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shard = new Map<string, Set<Client>>();

  constructor(private readonly deliver: (c: Client) => void) {}

  private registry(kind: SubKind): Map<string, Set<Client>> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shard;
  }

  private own(c: Client, kind: SubKind): Set<string> {
    return kind === 'channel' ? c.subs : kind === 'pattern' ? c.psubs : c.ssubs;
  }

  /** Adds a subscription; false if the client already had it. */
  add(c: Client, kind: SubKind, name: string): boolean {
    const mine = this.own(c, kind);
    if (mine.has(name)) return false;
    mine.add(name);
    const reg = this.registry(kind);
    let set = reg.get(name);
    if (set === undefined) reg.set(name, (set = new Set()));
    set.add(c);
    return true;
  }

  remove(c: Client, kind: SubKind, name: string): boolean {
    const mine = this.own(c, kind);
    if (!mine.delete(name)) return false;
    const reg = this.registry(kind);
    const set = reg.get(name);
    if (set !== undefined) {
      set.delete(c);
      if (set.size === 0) reg.delete(name);
    }
    return true;
  }

  removeAll(c: Client): void {
    for (const n of [...c.subs]) this.remove(c, 'channel', n);
    for (const n of [...c.psubs]) this.remove(c, 'pattern', n);
    for (const n of [...c.ssubs]) this.remove(c, 'shard', n);
  }

  /**
   * Unsubscribes every client from the shard channels whose slot `moved` says this node no longer
   * serves, telling each with an `sunsubscribe` push as Redis does, so that cluster clients
   * subscribe again on the slot's new owner.
   */
  dropShardChannels(moved: (channel: string) => boolean): void {
    for (const [channel, subs] of [...this.shard]) {
      if (!moved(channel)) continue;
      for (const c of [...subs]) {
        this.remove(c, 'shard', channel);
        const left = c.ssubs.size;
        pushTo(c, () => {
          c.w.push(3);
          c.w.bulk('sunsubscribe');
          c.w.bulk(channel);
          c.w.int(left);
          this.deliver(c);
        });
      }
    }
  }

  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        pushTo(c, () => {
          c.w.push(3);
          c.w.bulk('message');
          c.w.bulk(channel);
          c.w.bulk(message);
          this.deliver(c);
        });
        receivers++;
      }
    }
    for (const [pattern, set] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const c of set) {
        pushTo(c, () => {
          c.w.push(4);
          c.w.bulk('pmessage');
          c.w.bulk(pattern);
          c.w.bulk(channel);
          c.w.bulk(message);
          this.deliver(c);
        });
        receivers++;
      }
    }
    return receivers;
  }

  spublish(channel: string, message: string): number {
    const subs = this.shard.get(channel);
    if (subs === undefined) return 0;
    for (const c of subs) {
      pushTo(c, () => {
        c.w.push(3);
        c.w.bulk('smessage');
        c.w.bulk(channel);
        c.w.bulk(message);
        this.deliver(c);
      });
    }
    return subs.size;
  }
}
