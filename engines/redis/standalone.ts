// `elasticache-local redis-server [config-file] [--name value...]` (or `node bin/run-ts.mjs
// engines/redis/standalone.ts ...`): a bare server started as redis-server is, from the same command line and
// config file (server-args.ts), so a harness written for redis-server starts it unchanged. Every parameter
// CONFIG GET knows is taken; `--host` is ours (an alias of bind). The listener binds 127.0.0.1 unless told
// otherwise, and `--port 0` picks a free port (redis-server would not listen on TCP at all).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PARAMS } from './config-table.ts';
import { DumpLoadError, keepDumpOnDisk, loadDumpAtStart } from './dump-file.ts';
import { acceptedOnUnixSocket, createRedisServer } from './index.ts';
import { followAddress } from './network-replica.ts';
import { resumeFromDump } from './repl-feed.ts';
import { ConfigError, readServerArgs, type Directive } from './server-args.ts';
import { shutdownSignal } from './shutdown.ts';

const VERSION = '7.0.15';

/** What the process itself does with the directives that are not engine parameters. */
interface ProcessSettings {
  port: number;
  host: string;
  logfile: string;
  pidfile: string;
  /** replicaof host port: the server starts as a replica of it. */
  replicaOf: [string, number] | null;
  /** `user <name> <rules...>` lines (what CONFIG REWRITE writes without an aclfile). */
  users: Directive[];
  /** unixsocket / unixsocketperm: a second listener on a socket file. */
  unixsocket: string;
  unixsocketperm: number;
}

/** 7.0's MULTI_ARG_CONFIG parameters: they take any number of arguments on a line, their setter counts them. */
const MULTI_ARG = new Set(['save', 'client-output-buffer-limit', 'oom-score-adj-values', 'latency-tracking-info-percentiles', 'shutdown-on-sigint', 'shutdown-on-sigterm']);

/** Checks a port as redis-server does, with its words. */
function portOf(d: Directive): number {
  const v = d.args[0] as string;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(d.line, d.text, "argument couldn't be parsed into an integer");
  const n = Number(v);
  if (n < 0 || n > 65535) throw new ConfigError(d.line, d.text, 'argument must be between 0 and 65535 inclusive');
  return n;
}

/** The directives' values for the engine, in order (repeated save lines add up, as in a config file); the rest go to `settings`. */
function split(directives: Directive[], settings: ProcessSettings): [string, string, Directive][] {
  const params: [string, string, Directive][] = [];
  let save: string | null = null;
  for (const d of directives) {
    if (d.name === 'user' && d.args.length > 0) {
      settings.users.push(d);
      continue;
    }
    const known = PARAMS.has(d.name) || d.name === 'host' || d.name === 'include';
    if (!known) throw new ConfigError(d.line, d.text, 'Bad directive or wrong number of arguments');
    // A multi-argument parameter may have none (`save` alone, as `save ""`, means no save points; its own check judges the others).
    if (d.args.length === 0 && !MULTI_ARG.has(d.name)) throw new ConfigError(d.line, d.text, 'wrong number of arguments');
    const value = d.args.join(' ');
    switch (d.name) {
      case 'port':
        settings.port = portOf(d);
        break;
      case 'bind':
      case 'host': {
        // One listener: the first address (a leading '-' marks an optional one; '*' is every IPv4 address).
        const first = (d.args[0] as string).replace(/^-/, '');
        settings.host = first === '*' ? '0.0.0.0' : first;
        break;
      }
      case 'dir':
        try {
          process.chdir(value);
        } catch (err) {
          // redis-server says strerror alone.
          const code = (err as NodeJS.ErrnoException).code;
          throw new ConfigError(d.line, d.text, code === 'ENOENT' ? 'No such file or directory' : code === 'ENOTDIR' ? 'Not a directory' : code === 'EACCES' ? 'Permission denied' : (err as Error).message);
        }
        params.push(['dir', process.cwd(), d]);
        break;
      case 'logfile':
        settings.logfile = value;
        params.push([d.name, value, d]);
        break;
      case 'unixsocket':
        settings.unixsocket = value;
        params.push([d.name, value, d]);
        break;
      case 'unixsocketperm':
        if (!/^[0-7]+$/.test(value)) throw new ConfigError(d.line, d.text, 'argument must be an octal number');
        settings.unixsocketperm = parseInt(value, 8);
        params.push([d.name, value, d]);
        break;
      case 'pidfile':
        settings.pidfile = value;
        params.push([d.name, value, d]);
        break;
      case 'replicaof':
      case 'slaveof': {
        if (d.args.length !== 2) throw new ConfigError(d.line, d.text, 'wrong number of arguments');
        const port = Number(d.args[1]);
        if (!/^\d+$/.test(d.args[1] as string) || port > 65535) throw new ConfigError(d.line, d.text, 'Invalid master port');
        settings.replicaOf = [d.args[0] as string, port];
        params.push(['replicaof', value, d]);
        break;
      }
      case 'include':
        for (const file of d.args) params.push(...split(readServerArgs([file]), settings));
        break;
      case 'save':
        save = value === '' || save === null ? value : `${save} ${value}`;
        params.push(['save', save, d]);
        break;
      default: {
        // A parameter of one word takes one argument; the special ones (lists, limits) take several.
        if (PARAMS.get(d.name)?.kind !== 'special' && !MULTI_ARG.has(d.name) && d.args.length !== 1) throw new ConfigError(d.line, d.text, 'wrong number of arguments');
        params.push([d.name, value, d]);
      }
    }
  }
  return params;
}

export async function runStandalone(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    console.log(`Redis server v=${VERSION} sha=00000000:0 malloc=libc bits=64 build=elasticache-local`);
    return;
  }
  // Resolved before a `dir` line changes the working directory.
  const first = argv[0];
  const configFile = first !== undefined && !first.startsWith('--') && first !== '-' ? path.resolve(first) : null;
  const settings: ProcessSettings = { port: 6379, host: '127.0.0.1', logfile: '', pidfile: '', replicaOf: null, users: [], unixsocket: '', unixsocketperm: 0 };
  let server;
  try {
    const params = split(readServerArgs(argv), settings);
    server = createRedisServer({ port: settings.port, host: settings.host });
    // redis-server's own save points, which a config file's first `save` line replaces.
    server.engine.config.setAtStartup('save', '3600 1 300 100 60 10000');
    for (const [name, value, d] of params) {
      try {
        server.engine.config.setAtStartup(name, value);
      } catch (err) {
        throw new ConfigError(d.line, d.text, err instanceof Error ? err.message : String(err));
      }
    }
    for (const d of settings.users) {
      // As ACLLoadConfiguredUsers: a new user takes the rules as created; the default one is reset first.
      try {
        const name = d.args[0] as string;
        server.engine.acl.setUser(name, [...(name === 'default' ? ['reset'] : []), ...d.args.slice(1)]);
      } catch (err) {
        throw new ConfigError(d.line, d.text, `Error in user declaration '${d.args[0] as string}': ${err instanceof Error ? err.message.replace(/^ERR /, '') : String(err)}`);
      }
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(err.report(VERSION));
    process.exitCode = 1;
    return;
  }
  // redis-server's log lines: pid, role (C while it reads its config, M after), time, a level mark; lines
  // under loglevel are left out. A harness waits for 'Server initialized' after ' PID: <pid>', then for 'Ready to accept connections'.
  const engine = server.engine;
  const log = (role: 'C' | 'M', mark: Mark, message: string): void => {
    if (LEVELS[mark] < (LEVELS_BY_NAME[engine.config.get('loglevel') ?? 'notice'] ?? 2)) return;
    const line = `${process.pid}:${role} ${logTime(new Date())} ${mark} ${message}`;
    if (settings.logfile === '') console.log(line);
    else fs.appendFileSync(settings.logfile, `${line}\n`);
  };
  log('C', '#', `elasticache-local's Redis ${VERSION} compatible engine is starting, pid=${process.pid}`);
  log('C', '#', 'Configuration loaded');
  engine.notice = (message, mark = '*') => log('M', mark, message);
  keepDumpOnDisk(engine);
  engine.configFile = configFile;
  const bound = await server.listen();
  if (settings.pidfile !== '') fs.writeFileSync(settings.pidfile, `${process.pid}\n`);
  const unix = settings.unixsocket === '' ? null : await listenUnix(server, settings.unixsocket, settings.unixsocketperm);
  log('M', '*', `Running mode=standalone, port=${bound}. PID: ${process.pid}`);
  log('M', '#', 'Server initialized');
  try {
    // A replica loads its file too: with the stream's ID and offset in it, it asks its primary to continue.
    const loaded = await loadDumpAtStart(engine);
    if (loaded !== null) resumeFromDump(engine, loaded.aux, settings.replicaOf !== null, loaded.expired);
  } catch (err) {
    if (!(err instanceof DumpLoadError)) throw err;
    for (const line of err.lines) log('M', '#', line);
    await server.close();
    process.exitCode = 1;
    return;
  }
  log('M', '*', `Ready to accept connections tcp on ${settings.host}:${bound}`);
  if (unix !== null) log('M', '*', `The server is now ready to accept connections at ${settings.unixsocket}`);
  if (settings.replicaOf !== null) followAddress(server.engine, ...settings.replicaOf);
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (code = 0) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (code !== 0) process.exit(code);
      void running.close().then(resolve);
    };
    const onInt = () => shutdownSignal(engine, 'SIGINT', stop);
    const onTerm = () => shutdownSignal(engine, 'SIGTERM', stop);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    running.engine.shutdown = () => stop();
  });
  if (unix !== null) {
    log('M', '*', 'Removing the unix socket file.');
    unix.close();
    fs.rmSync(settings.unixsocket, { force: true });
  }
  if (settings.pidfile !== '') {
    log('M', '#', 'Removing the pid file.');
    fs.rmSync(settings.pidfile, { force: true });
  }
  log('M', '#', 'Redis is now ready to exit, bye bye...');
}

/**
 * The unixsocket listener: connections on it are served as those of the TCP port (CLIENT LIST shows the path).
 * A stale socket file is replaced, and unixsocketperm applied, as redis-server does.
 */
async function listenUnix(server: ReturnType<typeof createRedisServer>, file: string, perm: number): Promise<net.Server> {
  fs.rmSync(file, { force: true });
  const listener = net.createServer((socket) => {
    acceptedOnUnixSocket(socket, file);
    server.accept(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(file, () => resolve());
  });
  if (perm !== 0) fs.chmodSync(file, perm);
  return listener;
}

/** Log level marks, least to most severe, as redis-server writes them. */
const LEVELS = { '.': 0, '-': 1, '*': 2, '#': 3 } as const;
type Mark = keyof typeof LEVELS;
const LEVELS_BY_NAME: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** redis-server's log time: 27 Nov 2026 18:04:35.123 (local time). */
function logTime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const hms = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return `${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${hms}`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  runStandalone(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
