// The classic text protocol: storage, retrieval, arithmetic and admin commands.
import { cacheMemlimit, lru, lruCrawler, slabs } from './admin.ts';
import type { Session } from './context.ts';
import { configGetClusterReply, clusterPayload, LEGACY_DISCOVERY_KEY } from './discovery.ts';
import { KeyCursor } from './key-cursor.ts';
import { KEY_MAX_LENGTH } from './limits.ts';
import { executeMeta, metaDataLength } from './meta.ts';
import { parseFlags, parseI32Wrapped, parseU32Wrapped, parseU64 } from './numbers.ts';
import type { TextRequest } from './parser.ts';
import { writeStats } from './stats.ts';
import type { StoreMode } from './store.ts';
import { parseWatchFlags } from './watch.ts';

const INT_MAX = 0x7fffffff;
const BAD_FORMAT = 'CLIENT_ERROR bad command line format\r\n';

type Handler = (s: Session, tokens: string[], req: TextRequest) => void;

/** Data block length (value + CRLF) for storage lines that memcached would read a value for, else -1. */
export function textDataLength(tokens: string[]): number {
  const cmd = tokens[0]!;
  if (cmd.length === 2 && cmd === 'ms') return metaDataLength(tokens);
  const isCas = cmd === 'cas';
  if (!isCas && STORAGE_MODES[cmd] === undefined) return -1;
  const n = tokens.length;
  if (isCas ? n !== 6 && n !== 7 : n !== 5 && n !== 6) return -1;
  const parsed = parseStorageLine(tokens, isCas);
  lastParsed = parsed;
  lastParsedTokens = tokens;
  return parsed === null ? -1 : parsed.length + 2;
}

/** The line textDataLength just read: its command runs next, and need not parse it again. */
let lastParsedTokens: string[] | null = null;
let lastParsed: StorageLine | null = null;

function storageLineOf(tokens: string[], isCas: boolean): StorageLine | null {
  if (tokens === lastParsedTokens) return lastParsed;
  return parseStorageLine(tokens, isCas);
}

const STORAGE_MODES: Record<string, StoreMode | undefined> = {
  set: 'set',
  add: 'add',
  replace: 'replace',
  append: 'append',
  prepend: 'prepend',
};

interface StorageLine {
  key: string;
  flags: number;
  exptime: number;
  length: number;
  cas: bigint | undefined;
}

function parseStorageLine(tokens: string[], isCas: boolean): StorageLine | null {
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) return null;
  const flags = parseFlags(tokens[2]!);
  const exptime = parseI32Wrapped(tokens[3]!);
  const length = parseI32Wrapped(tokens[4]!);
  if (flags === null || exptime === null || length === null) return null;
  if (length < 0 || length > INT_MAX - 2) return null;
  let cas: bigint | undefined;
  if (isCas) {
    const c = parseU64(tokens[5]!);
    if (c === null) return null;
    cas = c;
  }
  return { key, flags, exptime, length, cas };
}

function isNoreply(tokens: string[]): boolean {
  return tokens[tokens.length - 1] === 'noreply';
}

/** get/gets/gat/gats/bget: a long line of theirs is split as its keys are read (see KeyCursor). */
export function splitsKeysLater(command: string): boolean {
  return RETRIEVALS.has(command);
}

const RETRIEVALS = new Set(['get', 'gets', 'gat', 'gats', 'bget']);

/** Runs one command; noreply lines get no output at all, errors included, as in memcached. */
export function executeText(s: Session, req: TextRequest): void {
  const tokens = req.tokens;
  // No command is shorter than two bytes.
  if (tokens.length === 0 || tokens[0]!.length < 2) {
    s.out.text('ERROR\r\n');
    return;
  }
  const handler = HANDLERS[tokens[0]!];
  if (handler !== undefined && (s.ctx.settings.adminCommands || !ADMIN_COMMANDS.has(tokens[0]!))) return handler(s, tokens, req);
  if (looksLikeHttp(tokens)) {
    // memcached hangs up on HTTP requests without a word (and without replies still queued), so a
    // browser or proxy tricked into talking to it gets nothing back.
    s.out.dropUnsent();
    s.closing = true;
    return;
  }
  s.out.text('ERROR\r\n');
}

/** What ElastiCache's memcached 1.6.17+ nodes no longer serve: an unknown command there. */
const ADMIN_COMMANDS = new Set(['lru_crawler', 'lru', 'slabs']);

/** Command names whose first byte memcached routes to a family: an unknown one is ERROR, never HTTP. */
const ROUTED_FIRST_BYTES = new Set(['g', 's', 'a', 'c', 'i', 'd', 't']);
/** memcached's tokenizer keeps at most this many tokens; the rest of the line is one more. */
const MAX_LINE_TOKENS = 23;

function looksLikeHttp(tokens: string[]): boolean {
  const cmd = tokens[0]!;
  if (ROUTED_FIRST_BYTES.has(cmd[0]!) || (cmd[0] === 'm' && cmd.length === 2)) return false;
  const last = tokens.length > MAX_LINE_TOKENS ? tokens[MAX_LINE_TOKENS - 1]! : tokens[tokens.length - 1]!;
  return last.startsWith('HTTP/');
}

function reply(s: Session, noreply: boolean, line: string): void {
  if (!noreply) s.out.text(line);
}

function storage(mode: StoreMode, isCas: boolean): Handler {
  return (s, tokens, req) => {
    const n = tokens.length;
    if (isCas ? n !== 6 && n !== 7 : n !== 5 && n !== 6) {
      s.out.text('ERROR\r\n');
      return;
    }
    const noreply = isNoreply(tokens);
    const line = storageLineOf(tokens, isCas);
    if (line === null) {
      reply(s, noreply, BAD_FORMAT);
      return;
    }
    const store = s.ctx.store;
    s.ctx.prefixes.recordSet(line.key);
    if (req.dataDiscarded || !store.itemFits(line.key.length, line.length, line.flags)) {
      store.counters.store_too_large++;
      // A failed set must not leave the previous value readable (a failed cas leaves it).
      if (mode === 'set' && !isCas) store.delete(line.key);
      reply(s, noreply, 'SERVER_ERROR object too large for cache\r\n');
      return;
    }
    const data = req.data!;
    if (data[line.length] !== 13 || data[line.length + 1] !== 10) {
      reply(s, noreply, 'CLIENT_ERROR bad data chunk\r\n');
      return;
    }
    const size = store.itemSize(line.key.length, line.length, line.flags);
    const value = Buffer.from(data.subarray(0, line.length));
    const { result } = store.store(mode, line.key, value, line.flags, store.expiryFromWire(line.exptime), line.cas);
    if (result === 'NO_MEMORY' && mode === 'set' && !isCas) store.delete(line.key);
    // memcached counts a set once its value has been read into its item.
    if (result !== 'NO_MEMORY' && result !== 'NO_MEMORY_READ') store.count('cmd_set', size);
    reply(s, noreply, storeResultLine(result));
  };
}

function storeResultLine(result: string): string {
  switch (result) {
    case 'TOO_LARGE':
      return 'SERVER_ERROR object too large for cache\r\n';
    case 'NO_MEMORY':
      return 'SERVER_ERROR out of memory storing object\r\n';
    case 'NO_MEMORY_READ':
      return 'SERVER_ERROR Out of memory during read\r\n';
    default:
      return RESULT_LINES[result] ?? result + '\r\n';
  }
}

/** The common answers as constants: a line built per set was a string allocated per reply. */
const RESULT_LINES: Record<string, string | undefined> = { STORED: 'STORED\r\n', NOT_STORED: 'NOT_STORED\r\n', EXISTS: 'EXISTS\r\n', NOT_FOUND: 'NOT_FOUND\r\n' };

function retrieval(withCas: boolean, touch: boolean): Handler {
  return (s, tokens, req) => {
    const first = touch ? 2 : 1;
    const rest = req.rest ?? '';
    // "get" needs a key; "gat <exptime>" with no key is valid and answers just END.
    if (tokens.length < 2) {
      s.out.text('ERROR\r\n');
      return;
    }
    const store = s.ctx.store;
    let exptime = 0;
    if (touch) {
      const raw = parseI32Wrapped(tokens[1]!);
      if (raw === null) {
        s.out.text('CLIENT_ERROR invalid exptime argument\r\n');
        return;
      }
      exptime = store.expiryFromWire(raw);
    }
    const out = s.out;
    const c = store.counters;
    const discovery = s.ctx.clusterConfig;
    const keys = new KeyCursor(tokens, first, rest);
    // Whether the reply goes out turn by turn (decided at the first turn that does not finish it).
    let inSteps = false;
    let firstKey = true;
    const keysFrom = (): void => {
      const began = performance.now();
      let done = 0;
      for (let key = keys.next(); key !== undefined; key = keys.next()) {
        // Thousands of keys go on in the next turn of the loop, which every node shares.
        if (++done % KEYS_PER_CLOCK_READ === 0 && s.continueLater !== undefined && performance.now() - began >= KEYS_TURN_MS) {
          if (!inSteps && s.writesEarly === true && !keys.anyLongerThan(KEY_MAX_LENGTH)) inSteps = true;
          // memcached writes none of a get's reply before END, and a too-long key or running out of response
          // objects later discards all of it: only once neither can happen is what is queued written now.
          if (inSteps) out.markSent();
          const next = key;
          s.continueLater(() => {
            if (lookUp(next)) keysFrom();
          });
          return;
        }
        if (!lookUp(key)) return;
      }
      out.text('END\r\n');
      out.markSent();
    };
    /** Queues one key's reply; false when the command ended there. */
    const lookUp = (key: string): boolean => {
      // Each key after the first takes a response object of its own; with none left memcached drops
      // every unwritten reply and answers an error in place of this command's (or closes without one).
      if (!firstKey && !s.takeResponse()) {
        s.releaseResponses();
        if (!s.takeResponse()) {
          s.closing = true;
          return false;
        }
        out.text('SERVER_ERROR out of memory writing get response\r\n');
        return false;
      }
      firstKey = false;
      if (key.length > KEY_MAX_LENGTH) {
        // memcached discards every reply not yet sent on this connection, not just this command's
        // (replies before the last get, mn or quit have been sent).
        out.dropUnsent();
        out.text(BAD_FORMAT);
        return false;
      }
      if (discovery !== undefined && key === LEGACY_DISCOVERY_KEY) {
        const payload = clusterPayload(discovery());
        out.text(`VALUE ${key} 0 ${payload.length}\r\n${payload}\r\n`);
        return true;
      }
      const item = store.find(key);
      s.ctx.prefixes.recordGet(key, item !== undefined);
      // memcached books gat/gats as touches only, not as gets.
      if (touch) c.cmd_touch++;
      else c.cmd_get++;
      if (item === undefined) {
        if (touch) c.touch_misses++;
        else c.get_misses++;
        return true;
      }
      if (touch) {
        item.exptime = exptime;
        store.count('touch_hits', item.size);
      } else {
        store.count('get_hits', item.size, item);
      }
      store.touchRead(item, true);
      out.text(
        withCas
          ? `VALUE ${key} ${item.flags} ${item.value.length} ${item.cas}\r\n`
          : `VALUE ${key} ${item.flags} ${item.value.length}\r\n`,
      );
      out.bytes(item.value);
      out.text('\r\n');
      return true;
    };
    keysFrom();
  };
}

/** A get of many keys reads the clock every this many keys, and leaves the rest to a later turn after KEYS_TURN_MS. */
const KEYS_PER_CLOCK_READ = 64;
const KEYS_TURN_MS = 1;

function arithmetic(incr: boolean): Handler {
  return (s, tokens) => {
    if (tokens.length !== 3 && tokens.length !== 4) {
      s.out.text('ERROR\r\n');
      return;
    }
    const noreply = isNoreply(tokens);
    const key = tokens[1]!;
    if (key.length > KEY_MAX_LENGTH) return reply(s, noreply, BAD_FORMAT);
    const delta = parseU64(tokens[2]!);
    if (delta === null) return reply(s, noreply, 'CLIENT_ERROR invalid numeric delta argument\r\n');
    const store = s.ctx.store;
    const r = store.delta(key, incr, delta, undefined, s.out.pinned);
    const c = store.counters;
    switch (r.kind) {
      case 'ok':
        store.count(incr ? 'incr_hits' : 'decr_hits', r.item.size);
        return reply(s, noreply, r.value.toString() + '\r\n');
      case 'NON_NUMERIC':
        return reply(s, noreply, 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
      case 'NO_MEMORY':
        return reply(s, noreply, 'SERVER_ERROR out of memory\r\n');
      default:
        if (incr) c.incr_misses++;
        else c.decr_misses++;
        return reply(s, noreply, 'NOT_FOUND\r\n');
    }
  };
}

const deleteCommand: Handler = (s, tokens) => {
  const n = tokens.length;
  if (n < 2 || n > 4) {
    s.out.text('ERROR\r\n');
    return;
  }
  // Only a token after the key can be noreply ("delete noreply" deletes the key "noreply").
  const noreply = n > 2 && isNoreply(tokens);
  if (n > 2) {
    // Only the legacy "0" hold time and/or noreply may follow the key.
    const holdIsZero = tokens[2] === '0';
    const valid = (n === 3 && (holdIsZero || noreply)) || (n === 4 && holdIsZero && noreply);
    if (!valid) return reply(s, noreply, 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n');
  }
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) return reply(s, noreply, BAD_FORMAT);
  const store = s.ctx.store;
  s.ctx.prefixes.recordDelete(key);
  const deleted = store.delete(key);
  if (deleted !== undefined) {
    store.count('delete_hits', deleted.size);
    reply(s, noreply, 'DELETED\r\n');
  } else {
    store.counters.delete_misses++;
    reply(s, noreply, 'NOT_FOUND\r\n');
  }
};

const touchCommand: Handler = (s, tokens) => {
  if (tokens.length !== 3 && tokens.length !== 4) {
    s.out.text('ERROR\r\n');
    return;
  }
  const noreply = isNoreply(tokens);
  const key = tokens[1]!;
  if (key.length > KEY_MAX_LENGTH) return reply(s, noreply, BAD_FORMAT);
  const raw = parseI32Wrapped(tokens[2]!);
  if (raw === null) return reply(s, noreply, 'CLIENT_ERROR invalid exptime argument\r\n');
  const store = s.ctx.store;
  store.counters.cmd_touch++;
  const touched = store.touch(key, store.expiryFromWire(raw));
  if (touched !== undefined) {
    store.count('touch_hits', touched.size);
    reply(s, noreply, 'TOUCHED\r\n');
  } else {
    store.counters.touch_misses++;
    reply(s, noreply, 'NOT_FOUND\r\n');
  }
};

const flushAll: Handler = (s, tokens) => {
  if (tokens.length > 3) {
    s.out.text('ERROR\r\n');
    return;
  }
  const noreply = isNoreply(tokens);
  let delay = 0;
  if (tokens.length === 3 || (tokens.length === 2 && !noreply)) {
    const raw = parseI32Wrapped(tokens[1]!);
    if (raw === null) return reply(s, noreply, 'CLIENT_ERROR invalid exptime argument\r\n');
    delay = raw;
  }
  const store = s.ctx.store;
  store.counters.cmd_flush++;
  if (!s.ctx.settings.flushEnabled) return reply(s, noreply, 'CLIENT_ERROR flush_all not allowed\r\n');
  store.flush(delay);
  reply(s, noreply, 'OK\r\n');
};

const verbosity: Handler = (s, tokens) => {
  if (tokens.length !== 2 && tokens.length !== 3) {
    s.out.text('ERROR\r\n');
    return;
  }
  const noreply = isNoreply(tokens);
  const level = parseU32Wrapped(tokens[1]!);
  if (level === null) return reply(s, noreply, BAD_FORMAT);
  // MAX_VERBOSITY_LEVEL caps it.
  s.ctx.settings.verbosity = Math.min(level, 2);
  reply(s, noreply, 'OK\r\n');
};

/**
 * -A: `shutdown` stops the server (`graceful` too: we have no in-flight work to wait for). memcached
 * closes the connection straight away, so replies it had not written yet are lost.
 */
const shutdownCommand: Handler = (s, tokens) => {
  if (!s.ctx.settings.shutdownCommand) return s.out.text('ERROR: shutdown not enabled\r\n');
  if (tokens.length === 1 || (tokens.length === 2 && tokens[1] === 'graceful')) {
    s.out.dropUnsent();
    s.closeReason = 'shutdown';
    s.closing = true;
    s.ctx.shutdown(tokens.length === 2);
    return;
  }
  s.out.text('CLIENT_ERROR invalid shutdown mode\r\n');
};

const config: Handler = (s, tokens) => {
  const discovery = s.ctx.clusterConfig;
  if (discovery === undefined || tokens.length !== 3 || tokens[1] !== 'get' || tokens[2] !== 'cluster') {
    s.out.text('ERROR\r\n');
    return;
  }
  s.out.text(configGetClusterReply(discovery()));
};

const watch: Handler = (s, tokens) => {
  const noreply = isNoreply(tokens);
  if (!s.ctx.settings.watchEnabled) return reply(s, noreply, 'CLIENT_ERROR watch commands not allowed\r\n');
  // The stream starts right away, so replies still queued would interleave with it.
  if (s.out.length > 0) return reply(s, noreply, 'ERROR cannot pipeline other commands before watch\r\n');
  const flags = parseWatchFlags(tokens.slice(1));
  if (flags === null) return reply(s, noreply, 'ERROR\r\n');
  reply(s, noreply, 'OK\r\n');
  s.startWatching(flags);
};

const meta: Handler = (s, tokens, req) => executeMeta(s, tokens, req);

/**
 * Reloads the certificate files for connections made from now on. noreply silences only the OK: memcached
 * writes a failure's message whatever the line says.
 */
const refreshCerts: Handler = (s, tokens) => {
  const error = s.ctx.refreshCerts();
  if (error !== null) return s.out.text(error);
  reply(s, isNoreply(tokens), 'OK\r\n');
};

const HANDLERS: Record<string, Handler | undefined> = {
  get: retrieval(false, false),
  gets: retrieval(true, false),
  gat: retrieval(false, true),
  gats: retrieval(true, true),
  // The pre-1.0 "binary get", still accepted by memcached.
  bget: retrieval(false, false),
  set: storage('set', false),
  add: storage('add', false),
  replace: storage('replace', false),
  append: storage('append', false),
  prepend: storage('prepend', false),
  cas: storage('set', true),
  incr: arithmetic(true),
  decr: arithmetic(false),
  delete: deleteCommand,
  touch: touchCommand,
  flush_all: flushAll,
  verbosity,
  cache_memlimit: cacheMemlimit,
  version: (s) => s.out.text(`VERSION ${s.ctx.settings.version}\r\n`),
  quit: (s) => {
    s.closeReason = 'normal';
    s.closing = true;
  },
  stats: (s, tokens) => writeStats(s, tokens),
  watch,
  shutdown: shutdownCommand,
  lru_crawler: lruCrawler,
  slabs,
  lru,
  config,
  refresh_certs: refreshCerts,
  mg: meta,
  ms: meta,
  md: meta,
  ma: meta,
  mn: meta,
  me: meta,
};
