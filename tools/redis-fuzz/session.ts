// One server's side of a sequence: a main client that runs the steps, a second client for the steps
// marked PEER, a subscriber that hears keyspace notifications and PUBLISHes, and an admin client
// that resets the server between runs.
import { FrameConn } from './conn.ts';
import { Monitor } from './monitor.ts';
import { BY, PEER, SERVE } from './families.ts';
import { CLIENT_IDS } from './families-more.ts';
import { OPTION_DEFAULTS } from './families-options.ts';
import { BATCH, DELIVER, PAUSED, SEP } from './families-wide.ts';
import { normalize, normalizeExec } from './normalize.ts';
import { memoryRange, SKIPLIST_MEMORY } from './normalize-wide.ts';
import { render, type Frame } from './reply.ts';

/** Settings a sequence may change, put back to redis-server 7.0's defaults before each run. */
const DEFAULTS = ['set-max-intset-entries', '512', 'hash-max-listpack-entries', '128', 'hash-max-listpack-value', '64', 'maxmemory-policy', 'noeviction', 'lfu-log-factor', '10', 'lfu-decay-time', '1', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64', 'list-max-listpack-size', '-2', 'list-compress-depth', '0', 'stream-node-max-entries', '100', 'notify-keyspace-events', 'KEA', 'slowlog-max-len', '128', 'latency-monitor-threshold', '0', 'latency-tracking', 'yes', 'maxmemory-samples', '5', 'hz', '10', 'busy-reply-threshold', '5000', 'active-expire-effort', '1'];
// Keys expire only when a command looks them up (families-wide.ts reads short expiries after a
// DEBUG SLEEP), and the counters INFO shows start from zero in each sequence.
const RESETS = [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824'], ['CLIENT', 'UNPAUSE'], ['ACL', 'LOG', 'RESET'], ['LATENCY', 'RESET'], ['CONFIG', 'RESETSTAT']];
// Between the blocking timeouts a mutation draws (5 and 10 s; 0 blocks for good), far from both:
// at 5 s a 5 s BZPOPMIN answered on redis-server just inside the wait and on ours just outside it
// (seed 1727). A step that gets no reply (a block for good) costs this much on both servers.
const REPLY_MS = 7500;
const SCAN_WALK_LIMIT = 2000;
/** A MATCH pattern no key or element of a sequence matches. */
const NO_MATCH = '\x01no-such-key\x01';
const SUBSCRIBE_FAMILY = /^[PS]?(UN)?SUBSCRIBE$/;

export interface Outcome {
  /** The normalised reply, with pushes seen before it and notifications it caused. */
  text: string;
  /** The server stopped answering: the rest of the sequence cannot be compared. */
  dead: boolean;
}

export class Session {
  private inMulti = false;
  private queued: string[][] = [];
  /**
   * Keyspace hits of the SCAN-family steps: each HSCAN/SSCAN/ZSCAN call is one, and SCAN ... TYPE
   * looks up every key its page meets, so the count hangs on each table's layout (how many calls a
   * walk takes, which keys a page from another cursor meets, seeds 71085, 70811). INFO shows
   * keyspace_hits without them.
   */
  private scanHits = 0;
  /** A step reloaded the dataset or restored a key: a listpack hash may hold a dict's order since. */
  private reloaded = false;

  private constructor(
    private readonly main: FrameConn,
    private readonly sub: FrameConn,
    private readonly peer: FrameConn,
    /** The main client's id, for the peer's CLIENT LIST ID / CLIENT UNBLOCK. */
    private readonly mainId: string,
    /** Each client's id on this server, for the steps that name one (CLIENT TRACKING REDIRECT). */
    private readonly ids: Map<string, string>,
    /** A connection in MONITOR mode whose lines join each step's outcome (every other seed). */
    private readonly mon: Monitor | null,
  ) {}

  static async open(port: number, proto: 2 | 3, monitor = false): Promise<{ session: Session; hello: string | null }> {
    const admin = await FrameConn.open(port);
    try {
      // The user a sequence creates goes too: each seed replays alone as it ran in a range. The options
      // family's settings go first: under min-replicas-to-write 1 even FLUSHALL is refused.
      for (const cmd of [['CONFIG', 'SET', ...OPTION_DEFAULTS], ['FLUSHALL'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH'], ['CONFIG', 'SET', ...DEFAULTS], ['ACL', 'DELUSER', 'u1'], ...RESETS]) {
        const f = await admin.call(cmd);
        if (f === null || f.type === '-') throw new Error(`reset ${cmd.join(' ')} on port ${port}: ${f ? render(f) : 'no reply'}`);
      }
    } finally {
      admin.close();
    }
    const mon = monitor ? await Monitor.open(port) : null;
    const sub = await FrameConn.open(port);
    const subId = await sub.call(['CLIENT', 'ID']);
    sub.send(['PSUBSCRIBE', '__key*__:*']);
    sub.send(['SUBSCRIBE', 'ch1', 'ch2']);
    for (let i = 0; i < 3; i++) if ((await sub.frame(REPLY_MS)) === null) throw new Error(`subscribe on port ${port} got no reply`);
    const main = await FrameConn.open(port);
    // Opened before the steps: a connection accepted mid-sequence would be a step of its own.
    const peer = await FrameConn.open(port);
    const id = await main.call(['CLIENT', 'ID']);
    if (id === null || id.type !== ':') throw new Error(`CLIENT ID on port ${port}: ${id ? render(id) : 'no reply'}`);
    const peerId = await peer.call(['CLIENT', 'ID']);
    const ids = new Map([[CLIENT_IDS.main, id.text as string], [CLIENT_IDS.sub, subId?.text ?? '0'], [CLIENT_IDS.peer, peerId?.text ?? '0']]);
    const session = new Session(main, sub, peer, id.text as string, ids, mon);
    if (mon !== null) {
      for (const [conn, role] of [[sub, 'sub'], [main, 'main'], [peer, 'peer']] as const) mon.name(conn, role);
      // The set-up's own lines (SUBSCRIBE, CLIENT ID) are no step's.
      if ((await session.notifications()) === null) throw new Error(`subscriber on port ${port} got no PONG`);
      await mon.lines();
    }
    let hello: string | null = null;
    if (proto === 3) hello = (await session.step(['HELLO', '3'])).text;
    return { session, hello };
  }

  close(): void {
    this.mon?.close();
    this.main.close();
    this.sub.close();
    this.peer.close();
  }

  /** The payload of DUMP key, read by the peer (it is never inside a MULTI); '' for a missing key. */
  async dump(key: string): Promise<string> {
    const f = await this.peer.call(['DUMP', key]);
    return f?.type === '$' && f.text !== null ? f.text : '';
  }

  /**
   * The key of a lex-range command when it would walk a skiplist whose members have different
   * scores: redis-server's answer then depends on its nodes' random levels (seed 40022 answered 1
   * or 3 on redis-server alone), so the step is not sent to either server.
   */
  private async randomLexWalk(cmd: string[]): Promise<boolean> {
    const name = cmd[0]?.toUpperCase() ?? '';
    const byLex = cmd.some((a) => a.toUpperCase() === 'BYLEX');
    const key = /^(ZRANGEBYLEX|ZREVRANGEBYLEX|ZLEXCOUNT|ZREMRANGEBYLEX)$/.test(name) || (name === 'ZRANGE' && byLex) ? cmd[1] : name === 'ZRANGESTORE' && byLex ? cmd[2] : undefined;
    if (key === undefined) return false;
    // A bound that is no lex item is refused before any walk.
    const lexItem = (b: string | undefined): boolean => b === '-' || b === '+' || /^[[(]/.test(b ?? '');
    const at = name === 'ZRANGESTORE' ? 3 : 2;
    if (!lexItem(cmd[at]) || !lexItem(cmd[at + 1])) return false;
    if ((await this.peer.call(['OBJECT', 'ENCODING', key]))?.text !== 'skiplist') return false;
    const scores = (await this.peer.call(['ZRANGE', key, '0', '-1', 'WITHSCORES']))?.items?.filter((_, i) => i % 2 === 1).map((x) => x.text);
    return new Set(scores).size > 1;
  }

  /**
   * MEMORY USAGE of a collection redis-server samples in an order of its own (asked by the peer
   * before the step, on both servers alike): a skiplist's figure counts its first nodes at their
   * random levels (zslRandomLevel), so it goes out whole for compare.ts to check against ours
   * (skiplistAgrees); a hashtable's first elements are its buckets' (a random hash seed orders
   * them), so its SAMPLES 0 figure, which takes every element, is compared as a size class instead
   * (seeds 101537, 101869 and kin).
   */
  private async sampledMemory(key: string): Promise<((n: number) => Frame) | null> {
    // The peer asks in the main client's database (it may have SELECTed another, seed 206445).
    const dbOf = async (id: string): Promise<string> => /\bdb=(\d+)/.exec((await this.peer.call(['CLIENT', 'LIST', 'ID', id]))?.text ?? '')?.[1] ?? '0';
    const own = await dbOf(this.ids.get(CLIENT_IDS.peer) as string);
    const target = await dbOf(this.mainId);
    if (target !== own) await this.peer.call(['SELECT', target]);
    try {
      const enc = (await this.peer.call(['OBJECT', 'ENCODING', key]))?.text;
      if (enc === 'skiplist') return (n) => ({ type: '+', text: `${SKIPLIST_MEMORY}${n}` });
      if (enc !== 'hashtable') return null;
      const all = await this.peer.call(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
      if (all?.type !== ':') return null;
      return () => ({ type: '+', text: `${memoryRange(Number(all.text))} (all sampled)` });
    } finally {
      if (target !== own) await this.peer.call(['SELECT', own]);
    }
  }

  /** Runs one generated step; with a monitor, the lines it heard join the outcome. */
  async step(generated: string[]): Promise<Outcome> {
    const name = generated[0]?.toUpperCase() ?? '';
    if (generated.some((a) => /^(RELOAD|LOADAOF|RESTORE|@xrestore)$/i.test(a))) this.reloaded = true;
    const scanning = !this.inMulti && (/^[HSZ]SCAN$/.test(name) || (name === 'SCAN' && generated.some((a) => a.toUpperCase() === 'TYPE')));
    const before = scanning ? await this.keyspaceHits() : 0;
    const ran = await this.run(generated);
    if (scanning) this.scanHits += (await this.keyspaceHits()) - before;
    const o = this.scanHits === 0 ? ran : { ...ran, text: ran.text.replace(/keyspace_hits:(\d+)/g, (_, n: string) => `keyspace_hits:${Number(n) - this.scanHits}`) };
    if (generated.some((a, i) => /^config$/i.test(a) && /^resetstat$/i.test(generated[i + 1] ?? ''))) this.scanHits = 0;
    if (this.mon === null || o.dead) return o;
    // A client id the step named is shown by the name the generator gave it (ids differ per server).
    // EXEC shows the queued commands' lines, which may name any client (100192: a queued REDIRECT);
    // there only a number after a word that takes a client id is one (ids are small: 'f3' '3').
    const exec = name === 'EXEC';
    const names = exec ? [...this.ids.keys()] : generated.filter((a) => this.ids.has(a));
    const named = new Map(names.map((a) => [`"${this.ids.get(a)}"`, `"${a}"`]));
    const heard = await this.mon.lines(named, exec ? /(?<="(?:REDIRECT|ID|UNBLOCK)" )"\d+"/gi : undefined);
    return heard === '' ? o : { ...o, text: `${o.text} | monitor ${heard}` };
  }

  private async run(generated: string[]): Promise<Outcome> {
    const step = generated.map((a) => this.ids.get(a) ?? a);
    if (await this.randomLexWalk(step[0] === PEER ? step.slice(1) : step[0] === SERVE ? step.slice(step.indexOf(BY) + 1) : step)) return { text: '<lex range over a skiplist of mixed scores: not sent>', dead: false };
    // RANDOMKEY deletes the expired keys it happens to draw: the peer's SCAN expires them all first,
    // in dict order (that step's events are compared sorted).
    const random = (step[0] === PEER ? step[1] : step[0])?.toUpperCase() === 'RANDOMKEY';
    // So does a SCAN page from a cursor other than 0: which keys it meets is the dict's layout (seed 70880).
    const page = step[0]?.toUpperCase() === 'SCAN' && !/^\+?0*$/.test(step[1] ?? '0');
    if (random || page) await this.sweepExpired(step[0] === PEER ? this.peer : this.main);
    if (step[0] === PEER) return random ? sortEvents(await this.peerStep(step.slice(1))) : this.peerStep(step.slice(1));
    if (step[0] === SERVE) return this.serveStep(step.slice(1, step.indexOf(BY)), step.slice(step.indexOf(BY) + 1));
    // Their PING marker would be queued: not sent inside a transaction.
    if (this.inMulti && (step[0] === BATCH || step[0] === DELIVER || step[0] === PAUSED)) return { text: '<inside MULTI: not sent>', dead: false };
    // Under RESP3 it writes a push and then its reply into EXEC's array, one item more than the array
    // announces, so every later reply is read one step late on both servers (seed 108106).
    if (this.inMulti && isDebugPush(step)) return { text: '<DEBUG PROTOCOL push inside MULTI: not sent>', dead: false };
    if (step[0] === BATCH) return this.batchStep(split(step.slice(1)));
    if (step[0] === DELIVER) return this.deliverStep(step.slice(1));
    if (step[0] === PAUSED) return this.pausedStep(step[1] as string, step.slice(2));
    const cmd = step;
    const name = cmd[0]?.toUpperCase() ?? '';
    // A cursor strtoul reads as 0 ('', '+0', '00') starts a walk too: one page of it would expire the
    // keys of a dict-ordered part of the table.
    const walk = !this.inMulti && /^(SCAN|HSCAN|SSCAN|ZSCAN)$/.test(name) && /^\+?0*$/.test(cmd[name === 'SCAN' ? 1 : 2] ?? 'x');
    const confirm = !this.inMulti && SUBSCRIBE_FAMILY.test(name);
    const sampled = !this.inMulti && name === 'MEMORY' && cmd[1]?.toUpperCase() === 'USAGE' && cmd[2] !== undefined ? await this.sampledMemory(cmd[2]) : null;
    const { reply, pushes } = walk ? await this.walk(cmd, name) : confirm ? await this.confirmations(cmd) : await this.exchange(cmd);
    if (reply === null) return { text: '<no reply>', dead: true };
    const tracked = this.track(cmd, name, reply);
    const shown = sampled !== null && reply.type === ':' ? sampled(Number(reply.text)) : tracked;
    // SCAN expires the keys past their TTL it meets in its dict's order, which a seed drawn at start-up
    // decides; SORT of a set or a skiplist zset looks its BY/GET patterns up in that order (seed 90405).
    const dictOrdered = name === 'SCAN' || random || name === 'SORT' || name === 'SORT_RO';
    const notes = dictOrdered ? (await this.notifications())?.sort() ?? null : await this.notifications();
    const parts = [render(shown)];
    if (pushes.length > 0) parts.push(`pushes ${pushes.map(render).join(' ')}`);
    if (notes === null) return { text: [...parts, '<subscriber silent>'].join(' | '), dead: true };
    if (notes.length > 0) parts.push(`events ${notes.join(' ')}`);
    return { text: parts.join(' | '), dead: false };
  }

  private async keyspaceHits(): Promise<number> {
    return Number(/keyspace_hits:(\d+)/.exec((await this.peer.call(['INFO', 'stats']))?.text ?? '')?.[1] ?? 0);
  }

  /**
   * The peer walks SCAN to its end in the database `of` is in (the main client may have SELECTed
   * another, seed 70283): every key past its TTL there is expired now.
   */
  private async sweepExpired(of: FrameConn): Promise<void> {
    const dbOf = async (id: string): Promise<string> => /\bdb=(\d+)/.exec((await this.peer.call(['CLIENT', 'LIST', 'ID', id]))?.text ?? '')?.[1] ?? '0';
    const peerId = this.ids.get(CLIENT_IDS.peer) as string;
    const own = await dbOf(peerId);
    const target = of === this.peer ? own : await dbOf(this.mainId);
    if (target !== own) await this.peer.call(['SELECT', target]);
    let cursor = '0';
    do cursor = (await this.peer.call(['SCAN', cursor, 'COUNT', '1000']))?.items?.[0]?.text ?? '0';
    while (cursor !== '0');
    if (target !== own) await this.peer.call(['SELECT', own]);
  }

  /** A step of the second client: one command in RESP2, its reply normalised as the main client's. */
  private async peerStep(cmd: string[]): Promise<Outcome> {
    this.peer.send(cmd);
    const { reply } = await this.peer.reply(REPLY_MS);
    if (reply === null) return { text: '<no reply on the peer>', dead: true };
    const notes = await this.notifications();
    const parts = [`peer ${render(normalize(cmd, reply))}`];
    if (notes === null) return { text: [...parts, '<subscriber silent>'].join(' | '), dead: true };
    if (notes.length > 0) parts.push(`events ${notes.join(' ')}`);
    return { text: parts.join(' | '), dead: false };
  }

  /**
   * The main client sends a blocking command (timeout 0) and, once it blocks, the peer runs a
   * command that may serve it; whatever did not serve it, the peer's CLIENT UNBLOCK then ends.
   * Each step waits for the server's state, never for time, so both servers see the same order.
   */
  private async serveStep(blocking: string[], serving: string[]): Promise<Outcome> {
    this.main.send(blocking);
    let answer: Frame | null = null;
    const pushes: Frame[] = [];
    for (let polls = 0; answer === null; polls++) {
      const f = await this.main.frame(polls === 0 ? 5 : 0);
      if (f !== null && f.type === '>') pushes.push(f);
      else if (f !== null) answer = f;
      else if (/flags=\S*b/.test((await this.peer.call(['CLIENT', 'LIST', 'ID', this.mainId]))?.text ?? '')) break;
      else if (polls > 400) return { text: '<main neither answered nor blocked>', dead: true };
    }
    const parts: string[] = [];
    if (answer === null) {
      const served = await this.peerStep(serving);
      parts.push(served.text);
      if (served.dead) return { text: parts.join(' | '), dead: true };
      const unblocked = await this.peer.call(['CLIENT', 'UNBLOCK', this.mainId]);
      parts.push(`unblock ${unblocked === null ? '<no reply>' : render(unblocked)}`);
      const got = await this.main.reply(REPLY_MS);
      pushes.push(...got.pushes);
      answer = got.reply;
      if (answer === null) return { text: [...parts, '<no reply>'].join(' | '), dead: true };
    }
    const notes = await this.notifications();
    // Inside MULTI it was queued: EXEC's items are normalised as the commands they answer.
    parts.unshift(render(this.track(blocking, blocking[0]?.toUpperCase() ?? '', answer)));
    if (pushes.length > 0) parts.push(`pushes ${pushes.map(render).join(' ')}`);
    if (notes === null) return { text: [...parts, '<subscriber silent>'].join(' | '), dead: true };
    if (notes.length > 0) parts.push(`events ${notes.join(' ')}`);
    return { text: parts.join(' | '), dead: false };
  }

  /**
   * Several commands sent at once, then a PING: every frame up to its PONG is the step's outcome.
   * Without CLIENT REPLY each reply answers one command and is normalised as that command.
   */
  private async batchStep(cmds: string[][]): Promise<Outcome> {
    this.main.sendAll([...cmds, ['PING']]);
    const frames = await this.untilPong(false);
    if (frames === null) return { text: '<no reply>', dead: true };
    const oneToOne = frames.length === cmds.length && !cmds.some((c) => c[0] === 'CLIENT' && c[1] === 'REPLY');
    const shown = oneToOne ? frames.map((f, i) => this.track(cmds[i] as string[], cmds[i]?.[0]?.toUpperCase() ?? '', f)) : frames;
    return this.withNotifications([`batch ${shown.map(render).join(' ')}`]);
  }

  /** The peer publishes; whatever reached the main client (a subscriber or not) is read up to a PING. */
  private async deliverStep(publish: string[]): Promise<Outcome> {
    const sent = await this.peer.call(publish, REPLY_MS);
    if (sent === null) return { text: '<no reply on the peer>', dead: true };
    const frames = await this.untilPong();
    if (frames === null) return { text: '<no reply>', dead: true };
    return this.withNotifications([`peer ${render(sent)}`, `main ${frames.map(render).join(' ')}`]);
  }

  /**
   * The main client pauses writes, the peer sends a command (held or not: the main waits until the
   * peer is blocked or answered), then CLIENT UNPAUSE lets a held one run.
   */
  private async pausedStep(mode: string, cmd: string[]): Promise<Outcome> {
    // PAUSE ALL holds the pausing client too: only its end in time lets anyone go on.
    if (mode === 'ALL') {
      const paused = await this.exchange(['CLIENT', 'PAUSE', '30', 'ALL']);
      const ran = paused.reply === null ? null : await this.peer.call(cmd, REPLY_MS);
      if (paused.reply === null || ran === null) return { text: '<no reply>', dead: true };
      return this.withNotifications([`pause ${render(paused.reply)}`, `peer ${render(normalize(cmd, ran))}`]);
    }
    const paused = await this.exchange(['CLIENT', 'PAUSE', '100000', mode]);
    if (paused.reply === null) return { text: '<no reply>', dead: true };
    this.peer.send(cmd);
    let early: Frame | null = null;
    const peerId = this.ids.get(CLIENT_IDS.peer) as string;
    for (let polls = 0; early === null; polls++) {
      early = await this.peer.frame(polls === 0 ? 5 : 0);
      if (early !== null) break;
      const line = (await this.exchange(['CLIENT', 'LIST', 'ID', peerId])).reply?.text ?? '';
      if (/flags=\S*b/.test(line)) break;
      if (polls > 400) return { text: '<peer neither answered nor held>', dead: true };
    }
    const unpaused = await this.exchange(['CLIENT', 'UNPAUSE']);
    const late = early ?? (await this.peer.reply(REPLY_MS)).reply;
    if (late === null || unpaused.reply === null) return { text: '<no reply>', dead: true };
    return this.withNotifications([`pause ${render(paused.reply)}`, `peer ${early === null ? 'held' : 'ran'} ${render(normalize(cmd, late))}`]);
  }

  private async withNotifications(parts: string[]): Promise<Outcome> {
    const notes = await this.notifications();
    if (notes === null) return { text: [...parts, '<subscriber silent>'].join(' | '), dead: true };
    if (notes.length > 0) parts.push(`events ${notes.join(' ')}`);
    return { text: parts.join(' | '), dead: false };
  }

  private async exchange(cmd: string[]): Promise<{ reply: Frame | null; pushes: Frame[] }> {
    this.main.send(cmd);
    return this.main.reply(REPLY_MS);
  }

  /**
   * A (un)subscribe answers with one confirmation per channel, as pushes in RESP3 (and none is the
   * reply the other commands wait for): a PING after it marks where they end.
   */
  private async confirmations(cmd: string[]): Promise<{ reply: Frame | null; pushes: Frame[] }> {
    this.main.send(cmd);
    const frames = await this.untilPong();
    if (frames === null) return { reply: null, pushes: [] };
    return { reply: frames.length === 1 ? (frames[0] as Frame) : { type: '*', text: String(frames.length), items: frames }, pushes: [] };
  }

  /** Every frame the main client gets before the reply to a PING sent now; null when it stops answering. */
  private async untilPong(send = true): Promise<Frame[] | null> {
    if (send) this.main.send(['PING']);
    const frames: Frame[] = [];
    for (;;) {
      const f = await this.main.frame(REPLY_MS);
      if (f === null) return null;
      // A user without PING (AUTH u1 after ACL SETUSER u1 +@read) gets NOPERM for the marker instead.
      if ((f.type === '+' && f.text === 'PONG') || (f.type === '*' && f.items?.[0]?.text === 'pong') || (f.type === '-' && /^NOPERM .*'ping' command$/.test(f.text ?? ''))) return frames;
      frames.push(f);
    }
  }

  /** Follows a SCAN-family cursor to 0; what came back is compared as a set (of pairs for HSCAN/ZSCAN). */
  private async walk(cmd: string[], name: string): Promise<{ reply: Frame | null; pushes: Frame[] }> {
    const at = name === 'SCAN' ? 1 : 2;
    const seen = new Map<string, Frame[]>();
    const pushes: Frame[] = [];
    const args = cmd.slice();
    for (let i = 0; i < SCAN_WALK_LIMIT; i++) {
      const got = await this.exchange(args);
      pushes.push(...got.pushes);
      const f = got.reply;
      if (f === null || !f.items || f.items.length !== 2) return { reply: f, pushes };
      const [cursor, page] = f.items as [Frame, Frame];
      const items = page.items ?? [];
      const width = name === 'HSCAN' || name === 'ZSCAN' ? 2 : 1;
      for (let j = 0; j + width - 1 < items.length; j += width) {
        const group = items.slice(j, j + width);
        seen.set(group.map(render).join(' '), group);
      }
      if (cursor.text === '0') {
        // An invalidation for a key the call expired reaches the client after that call's reply (7.0
        // holds it until the command ends), so a walk's last call leaves it unread: a call of the same
        // family that matches nothing (a key the pattern filters out is not expired) brings it in.
        // Where it fell hung on which page met the key, each server's dict order (seeds 219458, 218783).
        const tail = name === 'SCAN' ? ['SCAN', '0', 'MATCH', NO_MATCH, 'COUNT', '1'] : [cmd[0] as string, cmd[1] as string, '0', 'MATCH', NO_MATCH, 'COUNT', '1'];
        pushes.push(...(await this.exchange(tail)).pushes);
        const keys = [...seen.keys()].sort();
        return { reply: { type: '*', text: '2', items: [{ type: '+', text: 'walked' }, { type: '*', text: String(keys.length), items: keys.flatMap((k) => seen.get(k) as Frame[]) }] }, pushes };
      }
      args[at] = cursor.text ?? '0';
    }
    return { reply: { type: '+', text: `<cursor did not return to 0 in ${SCAN_WALK_LIMIT} calls>` }, pushes };
  }

  /** MULTI state follows the replies, so EXEC's items are normalised as the commands they answer. */
  private track(cmd: string[], name: string, reply: Frame): Frame {
    if (name === 'MULTI' && reply.type === '+' && !this.inMulti) {
      this.inMulti = true;
      this.queued = [];
      return reply;
    }
    if (this.inMulti) {
      if (name === 'EXEC' || name === 'DISCARD' || name === 'RESET') {
        this.inMulti = false;
        return name === 'EXEC' ? normalizeExec(this.queued, reply) : reply;
      }
      if (reply.type === '+' && reply.text === 'QUEUED') this.queued.push(cmd);
      return reply;
    }
    const shown = normalize(cmd, reply);
    // Until something reloads or restores, a listpack hash's order is its inserts' and compared byte for byte.
    return name === 'DUMP' && !this.reloaded && reply.type === '$' && reply.text?.charCodeAt(0) === 16 ? reply : shown;
  }

  /** Everything published since the last call: a PING on the subscriber marks where a command's events end. */
  private async notifications(): Promise<string[] | null> {
    this.sub.send(['PING']);
    this.mon?.marked();
    const out: string[] = [];
    for (;;) {
      const f = await this.sub.frame(REPLY_MS);
      if (f === null) return null;
      if (f.items?.[0]?.text === 'pong') return out;
      out.push(render(f));
    }
  }
}

/** A batch's commands, separated by SEP. */
function split(words: string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of words) {
    if (w === SEP) out.push([]);
    else (out[out.length - 1] as string[]).push(w);
  }
  return out.filter((c) => c.length > 0);
}

/** An outcome whose events came in dict order: compared sorted. */
function sortEvents(o: Outcome): Outcome {
  const at = o.text.indexOf(' | events ');
  if (at < 0) return o;
  const events = o.text.slice(at + ' | events '.length).split(' *[').map((e, i) => (i === 0 ? e : `*[${e}`));
  return { ...o, text: `${o.text.slice(0, at)} | events ${events.sort().join(' ')}` };
}

/** `DEBUG PROTOCOL push` in any case, words compared up to a NUL as redis-server's strcasecmp does. */
function isDebugPush(step: string[]): boolean {
  const word = (i: number): string => (step[i] ?? '').split('\0')[0]!.toLowerCase();
  return word(0) === 'debug' && word(1) === 'protocol' && word(2) === 'push';
}
