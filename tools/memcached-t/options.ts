// memcached 1.6.18's command line read into our node's options, with the start-up checks memcached
// makes, so memcached's own test suite can start our engine exactly as it starts the binary.
import type { ListenInterface, MemcachedServerOptions } from '../../engines/memcached/server.ts';
import { SSL_VERIFY_CLIENT_ONCE, SSL_VERIFY_FAIL_IF_NO_PEER_CERT, SSL_VERIFY_PEER, type SslSettings } from '../../engines/memcached/tls.ts';
import type { Settings } from '../../engines/memcached/context.ts';
import type { SlabGeometry } from '../../engines/memcached/item.ts';
import { SLAB_PAGE_SIZE } from '../../engines/memcached/limits.ts';

/** Options taking a value, as in memcached's getopt string; the others are flags. */
const WITH_VALUE = new Set('apsUmclutPfnDRbBIeoYN'.split(''));
/** ssl_verify_mode 0-3 as OpenSSL's verify flags (what `stats settings` prints). */
const VERIFY_MODES = [
  0,
  SSL_VERIFY_PEER,
  SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE,
];
/** Flags and options we accept and have nothing to do for (privileges, paging, pid file, prefix delimiter). */
const IGNORED = new Set('kLrduPDN'.split(''));

/**
 * `-h`: memcached 1.6.18's help lines for what the engine serves (TCP and UDP; no unix socket, SASL,
 * TLS, extstore or proxy), so the suite's feature probes of the help text find what we have.
 */
export const HELP = [
  'memcached 1.6.18',
  '-p, --port=<num>          TCP port to listen on (default: 11211)',
  '-U, --udp-port=<num>      UDP port to listen on (default: 0, off)',
  '-A, --enable-shutdown     enable ascii "shutdown" command',
  '-l, --listen=<addr>       interface to listen on (default: INADDR_ANY)',
  "                          if TLS/SSL is enabled, 'notls' prefix can be used to",
  '                          disable for specific listeners (-l notls:<ip>:<port>) ',
  '-m, --memory-limit=<num>  item memory in megabytes (default: 64)',
  '-M, --disable-evictions   return error on memory exhausted instead of evicting',
  '-c, --conn-limit=<num>    max simultaneous connections (default: 1024)',
  '-v, --verbose             verbose (print errors/warnings while in event loop)',
  '-h, --help                print this help and exit',
  '-V, --version             print version and exit',
  '-f, --slab-growth-factor=<num> chunk size growth factor (default: 1.25)',
  '-n, --slab-min-size=<bytes> min space used for key+value+flags (default: 48)',
  '-t, --threads=<num>       number of threads to use (default: 4)',
  '-R, --max-reqs-per-event  maximum number of requests per event, limits the',
  '                          requests processed per connection to prevent ',
  '                          starvation (default: 20)',
  '-C, --disable-cas         disable use of CAS',
  '-b, --listen-backlog=<num> set the backlog queue limit (default: 1024)',
  '-B, --protocol=<name>     protocol - one of ascii, binary, or auto (default: auto-negotiate)',
  '-I, --max-item-size=<num> adjusts max item size',
  '                          (default: 1m, min: 1k, max: 1024m)',
  '-F, --disable-flush-all   disable flush_all command',
  '-X, --disable-dumping     disable stats cachedump and lru_crawler metadump',
  '-W  --disable-watch       disable watch commands (live logging)',
  '-Z, --enable-ssl          enable TLS/SSL',
  '-o, --extended            comma separated list of extended options',
  '   - ssl_chain_cert:      certificate chain file in PEM format',
  '   - ssl_key:             private key, if not part of the -ssl_chain_cert',
  '   - ssl_keyformat:       private key format (PEM, DER or ENGINE) (default: PEM)',
  '   - ssl_verify_mode:     peer certificate verification mode, default is 0(None).',
  '                          valid values are 0(None), 1(Request), 2(Require)',
  '                          or 3(Once)',
  '   - ssl_ciphers:         specify cipher list to be used',
  "   - ssl_ca_cert:         PEM format file of acceptable client CA's",
  '   - ssl_wbuf_size:       size in kilobytes of per-connection SSL output buffer',
  '                          (default: 16)',
  '   - ssl_session_cache:   enable server-side SSL session cache, to support session',
  '                          resumption',
  '   - ssl_kernel_tls:      enable kernel TLS offload',
  '   - ssl_min_version:     minimum protocol version to accept (default: tlsv1.2)',
  '                          valid values are 0(tlsv1.0), 1(tlsv1.1), 2(tlsv1.2), or 3(tlsv1.3).',
  '',
].join('\n');

export class UsageError extends Error {
  /** memcached exits 64 (EX_USAGE) for most checks and 1 for the rest. */
  constructor(message: string, readonly exitCode = 64) {
    super(message);
  }
}

export interface Invocation {
  action: 'run' | 'version' | 'help';
  options: MemcachedServerOptions;
  /** -p 0: no TCP listener at all (UDP only with -U; nothing at all without). */
  tcp: boolean;
  /** A check memcached makes only when it binds its listeners (after loading certificates): fail then. */
  listenError?: UsageError;
}

/** strtol as memcached's safe_strtol: the whole text must be a number. */
function integer(text: string | undefined, what: string): number {
  if (text === undefined || !/^\s*[-+]?\d+$/.test(text)) throw new UsageError(`could not parse argument to ${what}`, 1);
  return Number(text);
}

/**
 * -l: every interface of the list (`;` or `,` between them), as memcached binds each: `notls:` first
 * keeps TLS off on that one, `[v6]:port` and `host:port` carry a port, a bare IPv6 address (several
 * colons) does not, `*` is every address.
 */
function interfaces(list: string): (ListenInterface & { port: number | undefined })[] {
  return list
    .split(/[;,]/)
    .filter((spec) => spec !== '')
    .map((spec) => {
      const notls = spec.startsWith('notls');
      // memcached skips "notls" and the one byte after it.
      if (notls) spec = spec.slice('notls'.length + 1);
      let host = spec;
      let port: number | undefined;
      const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(spec);
      if (bracketed) {
        host = bracketed[1]!;
        if (bracketed[2] !== undefined) port = Number.parseInt(bracketed[2], 10) || 0;
      } else {
        const colon = spec.indexOf(':');
        if (colon >= 0 && spec.indexOf(':', colon + 1) < 0) {
          host = spec.slice(0, colon);
          port = Number.parseInt(spec.slice(colon + 1), 10) || 0;
        }
      }
      return { host: host === '*' ? '0.0.0.0' : host, port, notls };
    });
}

/** The value of an ssl_* suboption, or memcached's complaint that it has none. */
function required(arg: string | undefined, name: string): string {
  if (arg === undefined) throw new UsageError(`Missing ${name} argument`, 1);
  return arg;
}

/** -I: bytes, or a k/m suffix. */
function itemSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  if (!m) throw new UsageError('Invalid value for -I', 1);
  const unit = m[2]!.toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

/** Splits argv the way getopt does: clustered flags (-vv), values attached (-p11211) or separate. */
function* getopt(argv: string[]): Generator<[string, string | undefined]> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg.length < 2) throw new UsageError(`Illegal argument "${arg}"`, 1);
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      if (!WITH_VALUE.has(c)) {
        yield [c, undefined];
        continue;
      }
      const rest = arg.slice(j + 1);
      const value = rest !== '' ? rest : argv[++i];
      if (value === undefined) throw new UsageError(`option requires an argument -- '${c}'`, 1);
      yield [c, value];
      break;
    }
  }
}

export function parseMemcachedArgs(argv: string[]): Invocation {
  const options: MemcachedServerOptions = { port: 11211 };
  const settings: Partial<Settings> = {};
  const geometry: Partial<SlabGeometry> = {};
  let memoryLimit = 64 * 1024 * 1024;
  let maxItemSize = 1024 * 1024;
  let chunkMax = SLAB_PAGE_SIZE / 2;
  let chunkMaxChanged = false;
  let lruMaintainer = true;
  let verbose = 0;
  let tcpPort: number | undefined;
  let udpPort = 0;
  let interfacePort: number | undefined;
  let listenList: string | undefined;
  let listens: ReturnType<typeof interfaces> = [];
  const ssl: Partial<SslSettings> = {};
  for (const [c, value] of getopt(argv)) {
    switch (c) {
      case 'V':
        return { action: 'version', options, tcp: true };
      case 'h':
        return { action: 'help', options, tcp: true };
      case 'p':
        tcpPort = Number.parseInt(value!, 10) || 0;
        break;
      case 'U':
        // atoi, as for -p: -1 asks for an ephemeral port, 0 for none.
        udpPort = Number.parseInt(value!, 10) || 0;
        break;
      case 'l': {
        // Each -l adds to the list, unless the list already holds it (memcached checks with strstr).
        listenList = listenList === undefined ? value! : listenList.includes(value!) ? listenList : `${listenList},${value}`;
        listens = interfaces(listenList);
        if (listens.length > 0) {
          options.host = listens[0]!.host;
          interfacePort = listens[0]!.port;
        }
        break;
      }
      case 'Z':
        ssl.enabled = true;
        break;
      case 'm':
        memoryLimit = (Number.parseInt(value!, 10) || 0) * 1024 * 1024;
        break;
      case 'M':
        options.errorOnMemoryExhausted = true;
        break;
      case 'c':
        options.maxConnections = Number.parseInt(value!, 10) || 0;
        if (options.maxConnections <= 0) throw new UsageError('Maximum connections must be greater than 0', 1);
        break;
      case 'v':
        verbose++;
        break;
      case 'f':
        geometry.growthFactor = Number.parseFloat(value!) || 0;
        if (geometry.growthFactor <= 1) throw new UsageError('Factor must be greater than 1', 1);
        break;
      case 'n':
        geometry.chunkSize = Number.parseInt(value!, 10) || 0;
        if (geometry.chunkSize === 0) throw new UsageError('Chunk size must be greater than 0', 1);
        break;
      case 'I':
        maxItemSize = itemSize(value!);
        break;
      case 'C':
        options.casDisabled = true;
        break;
      case 'F':
        options.disableFlushAll = true;
        break;
      case 'X':
        settings.dumpEnabled = false;
        break;
      case 'W':
        settings.watchEnabled = false;
        break;
      case 'A':
        settings.shutdownCommand = true;
        break;
      case 't':
        if (!(Number.parseInt(value!, 10) > 0)) throw new UsageError('Number of threads must be greater than 0', 1);
        settings.workerThreads = Number.parseInt(value!, 10);
        break;
      case 'R':
        settings.reqsPerEvent = Number.parseInt(value!, 10) || 0;
        if (settings.reqsPerEvent === 0) throw new UsageError('Number of requests per event must be greater than 0', 1);
        break;
      case 'b':
        settings.tcpBacklog = Number.parseInt(value!, 10) || 0;
        break;
      case 'B': {
        const protocols: Record<string, Settings['bindingProtocol']> = { auto: 'auto-negotiate', binary: 'binary', ascii: 'ascii' };
        const protocol = protocols[value!];
        if (protocol === undefined) {
          throw new UsageError(`Invalid value for binding protocol: ${value}\n -- should be one of auto, binary, or ascii`);
        }
        settings.bindingProtocol = protocol;
        break;
      }
      case 'o':
        for (const sub of value!.split(',')) {
          const eq = sub.indexOf('=');
          const name = eq < 0 ? sub : sub.slice(0, eq);
          const arg = eq < 0 ? undefined : sub.slice(eq + 1);
          switch (name) {
            case 'slab_reassign':
              options.slabReassign = true;
              break;
            case 'no_slab_reassign':
              options.slabReassign = false;
              break;
            case 'slab_automove':
              settings.slabAutomove = arg === undefined ? 1 : integer(arg, 'slab_automove');
              break;
            case 'no_slab_automove':
              settings.slabAutomove = 0;
              break;
            case 'slab_automove_ratio':
              settings.slabAutomoveRatio = Number.parseFloat(arg ?? '');
              break;
            case 'slab_automove_window':
              options.slabAutomoveWindow = integer(arg, 'slab_automove_window');
              break;
            case 'lru_crawler':
              options.lruCrawler = true;
              break;
            case 'no_lru_crawler':
              options.lruCrawler = false;
              break;
            case 'lru_crawler_sleep':
              settings.lruCrawlerSleep = integer(arg, 'lru_crawler_sleep');
              break;
            case 'lru_crawler_tocrawl':
              settings.lruCrawlerTocrawl = integer(arg, 'lru_crawler_tocrawl');
              break;
            case 'lru_maintainer':
              lruMaintainer = true;
              break;
            case 'no_lru_maintainer':
              lruMaintainer = false;
              break;
            case 'hot_lru_pct':
              settings.hotLruPct = integer(arg, 'hot_lru_pct');
              break;
            case 'warm_lru_pct':
              settings.warmLruPct = integer(arg, 'warm_lru_pct');
              break;
            case 'hot_max_factor':
              settings.hotMaxFactor = Number.parseFloat(arg ?? '');
              break;
            case 'warm_max_factor':
              settings.warmMaxFactor = Number.parseFloat(arg ?? '');
              break;
            case 'temporary_ttl':
              settings.tempLru = true;
              settings.temporaryTtl = integer(arg, 'temporary_ttl');
              break;
            case 'idle_timeout':
              options.idleTimeout = integer(arg, 'idle_timeout');
              break;
            case 'slab_chunk_max':
              chunkMax = integer(arg, 'slab_chunk_max');
              chunkMaxChanged = true;
              break;
            case 'no_chunked_items':
              chunkMax = SLAB_PAGE_SIZE;
              break;
            case 'modern':
              break;
            case 'no_modern':
              if (!chunkMaxChanged) chunkMax = SLAB_PAGE_SIZE;
              settings.hashAlgorithm = 'jenkins';
              options.slabReassign = false;
              settings.slabAutomove = 0;
              settings.lruSegmented = false;
              options.lruCrawler = false;
              lruMaintainer = false;
              break;
            case 'hash_algorithm':
              if (arg === undefined) throw new UsageError('Missing hash_algorithm argument', 1);
              // xxh3 is not offered: clients see the hash only in dump orders.
              if (arg !== 'jenkins' && arg !== 'murmur3') throw new UsageError('Unknown hash_algorithm option (jenkins, murmur3, xxh3)', 1);
              settings.hashAlgorithm = arg;
              break;
            case 'watcher_logbuf_size':
              // In kilobytes, as memcached reads it.
              settings.watcherLogbufSize = integer(arg, 'watcher_logbuf_size') * 1024;
              break;
            case 'track_sizes':
              options.trackSizes = true;
              break;
            case 'hashpower': {
              if (arg === undefined) throw new UsageError('Missing numeric argument for hashpower', 1);
              const power = Number.parseInt(arg, 10) || 0;
              if (power < 12) throw new UsageError(`Initial hashtable multiplier of ${power} is too low`, 1);
              if (power > 32) {
                throw new UsageError(`Initial hashtable multiplier of ${power} is too high\n` +
                  'Choose a value based on "STAT hash_power_level" from a running instance', 1);
              }
              settings.hashpowerInit = power;
              break;
            }
            case 'no_hashexpand':
              settings.hashExpand = false;
              break;
            case 'tail_repair_time':
              if (arg === undefined) throw new UsageError('Missing numeric argument for tail_repair_time', 1);
              // Read with atoi, as memcached does: garbage is 0, and so refused.
              settings.tailRepairTime = Number.parseInt(arg, 10) || 0;
              if (settings.tailRepairTime < 10) throw new UsageError('Cannot set tail_repair_time to less than 10 seconds', 1);
              break;
            case 'read_buf_mem_limit':
              // In megabytes, as memcached reads it.
              settings.readBufMemLimit = integer(arg, 'read_buf_mem_limit') * 1024 * 1024;
              break;
            case 'ssl_chain_cert':
              ssl.chainCert = required(arg, name);
              break;
            case 'ssl_key':
              ssl.key = required(arg, name);
              break;
            case 'ssl_ciphers':
              ssl.ciphers = required(arg, name);
              break;
            case 'ssl_ca_cert':
              ssl.caCert = required(arg, name);
              break;
            case 'ssl_keyformat':
              ssl.keyFormat = integer(required(arg, name), name);
              break;
            case 'ssl_verify_mode': {
              const mode = VERIFY_MODES[integer(required(arg, name), name)];
              if (mode === undefined) throw new UsageError('Invalid ssl_verify_mode. Use help to see valid options.', 1);
              ssl.verifyMode = mode;
              break;
            }
            case 'ssl_min_version': {
              const version = integer(required(arg, name), name);
              if (!(version >= 0 && version <= 3)) throw new UsageError('Invalid ssl_min_version. Use help to see valid options.', 1);
              ssl.minVersion = version;
              break;
            }
            case 'ssl_wbuf_size':
              // Kilobytes, read by safe_strtoul: no sign.
              if (!/^\s*\+?\d+$/.test(required(arg, name))) throw new UsageError('could not parse argument to ssl_wbuf_size', 1);
              ssl.wbufSize = Number(arg) * 1024;
              break;
            case 'ssl_session_cache':
              ssl.sessionCache = true;
              break;
            case 'ssl_kernel_tls':
              ssl.kernelTls = true;
              break;
            case 'maxconns_fast':
            case 'no_maxconns_fast':
            // memcached 1.6.18 lets worker_logbuf_size fall through into slab_sizes, which we do not take.
            case 'worker_logbuf_size':
            case 'inline_ascii_resp':
            case 'no_inline_ascii_resp':
            case 'drop_privileges':
            case 'no_drop_privileges':
            case 'relaxed_privileges':
            case 'resp_obj_mem_limit':
              break;
            default:
              throw new UsageError(`Illegal suboption "${sub}"`, 1);
          }
        }
        break;
      default:
        if (IGNORED.has(c)) break;
        throw new UsageError(`Illegal argument "${c}"`, 1);
    }
  }
  if (maxItemSize < 1024) throw new UsageError('Item max size cannot be less than 1024 bytes.');
  if (maxItemSize > memoryLimit / 2) throw new UsageError('Cannot set item size limit higher than 1/2 of memory max.');
  if (maxItemSize > 1024 * 1024 * 1024) throw new UsageError('Cannot set item size limit higher than a gigabyte.');
  if (chunkMax > maxItemSize) {
    throw new UsageError(`slab_chunk_max (bytes: ${chunkMax}) cannot be larger than -I (item_size_max ${maxItemSize})`);
  }
  if (maxItemSize % chunkMax !== 0) {
    throw new UsageError(`-I (item_size_max: ${maxItemSize}) must be evenly divisible by slab_chunk_max (bytes: ${chunkMax})`);
  }
  if (SLAB_PAGE_SIZE % chunkMax !== 0) {
    throw new UsageError(`slab_chunk_max (bytes: ${chunkMax}) must divide evenly into ${SLAB_PAGE_SIZE} (slab_page_size)`);
  }
  if ((settings.hotLruPct ?? 20) + (settings.warmLruPct ?? 40) > 80) {
    throw new UsageError('hot_lru_pct + warm_lru_pct cannot be more than 80% combined');
  }
  if (settings.tempLru && !lruMaintainer) throw new UsageError('temporary_ttl requires lru_maintainer to be enabled');
  settings.verbosity = Math.min(verbose, 2);
  options.lruMaintainer = lruMaintainer;
  options.memoryLimit = memoryLimit;
  options.maxItemSize = maxItemSize;
  options.geometry = { ...geometry, slabChunkMax: chunkMax };
  options.settings = settings;
  options.version = '1.6.18';
  // atoi: -1 asks for an ephemeral port, 0 for none. A UDP port given alone is the TCP port too.
  const port = tcpPort ?? (udpPort !== 0 ? udpPort : 11211);
  if (port > 65535) throw new UsageError(`ERROR: Invalid port number ${port}.`);
  if (ssl.enabled === true && port === 0) throw new UsageError('ERROR: You cannot enable SSL without a TCP port.');
  options.ssl = ssl;
  // A port given with the interface (-l host:port) is the one both listeners bind there.
  options.port = interfacePort ?? (port < 0 ? 0 : port);
  options.udpPort = udpPort !== 0 && interfacePort !== undefined ? interfacePort : udpPort;
  if (listens.length > 1 || listens.some((l) => l.notls)) {
    // An interface without a port takes -p's, and `stats settings` reports -p whatever the others carry.
    options.port = port < 0 ? 0 : port;
    options.interfaces = listens.map((l) => ({ host: l.host, port: l.port ?? options.port, notls: l.notls }));
  }
  const listenError =
    listens.some((l) => l.notls) && ssl.enabled !== true
      ? new UsageError(`'notls' option is valid only when SSL is enabled\nfailed to listen on one of interface(s) ${listenList}: Success`, 71)
      : undefined;
  return { action: 'run', options, tcp: port !== 0, listenError };
}
