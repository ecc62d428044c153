// Stands in for the memcached binary under memcached's test suite: same command line, our engine.
// SIGINT/SIGTERM stop it as they stop memcached, so the suite's handles clean up the same way.
import { renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { createMemcachedServer } from '../../engines/memcached/server.ts';
import { CertificateError } from '../../engines/memcached/tls.ts';
import { HELP, parseMemcachedArgs, UsageError } from './options.ts';

function invoke(argv: string[]): ReturnType<typeof parseMemcachedArgs> {
  try {
    return parseMemcachedArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
}

/**
 * MEMCACHED_PORT_FILENAME: memcached lists the ports it bound there ("TCP INET: 11211", then
 * "UDP INET: 11211"; INET6 on an IPv6 interface), written to a .lck file renamed into place once
 * every listener is up, so a reader never sees half of it.
 */
function writePortFile(tcp: number | null, udp: number | null): void {
  const name = process.env.MEMCACHED_PORT_FILENAME;
  if (name === undefined) return;
  const family = net.isIPv6(options.host ?? '') ? 'INET6' : 'INET';
  const lines = (tcp === null ? '' : `TCP ${family}: ${tcp}\n`) + (udp === null ? '' : `UDP ${family}: ${udp}\n`);
  writeFileSync(`${name}.lck`, lines);
  renameSync(`${name}.lck`, name);
}

const { action, options, tcp, listenError } = invoke(process.argv.slice(2));
if (action === 'version') {
  process.stdout.write('memcached 1.6.18\n');
  process.exit(0);
}
if (action === 'help') {
  process.stdout.write(HELP);
  process.exit(0);
}
// memcached's shutdown command raises SIGINT (graceful: SIGUSR1) on itself: the process ends either way.
// memcached's debug hook: 64bit.t fakes memory already taken through it.
const initialMalloced = Number(process.env.T_MEMD_INITIAL_MALLOC) || undefined;
const server = (() => {
  try {
    return createMemcachedServer({ ...options, initialMalloced, onShutdown: () => stop() });
  } catch (err) {
    // -Z with certificates that do not load: memcached prints why and exits EX_USAGE.
    if (!(err instanceof CertificateError)) throw err;
    process.stderr.write(err.message + err.lineEnd);
    process.exit(64);
  }
})();
if (listenError !== undefined) {
  process.stderr.write(`${listenError.message}\n`);
  process.exit(listenError.exitCode);
}
const udp = options.udpPort !== 0;
const listening = tcp ? server.listen() : server.listenUdp();
// Without a listener nothing else keeps the process up until its signal, as memcached stays up.
const idle = tcp || udp ? undefined : setInterval(() => undefined, 60_000);
listening.then(
  (port) => writePortFile(tcp ? port : null, server.udpPort),
  (err: NodeJS.ErrnoException) => {
    // A UDP socket fails in bind, a TCP listener in listen.
    const [what, port] = err.syscall === 'bind' ? ['UDP', options.udpPort] : ['TCP', options.port];
    process.stderr.write(`failed to listen on ${what} port ${port}: ${err.message}\n`);
    process.exit(71);
  },
);
function stop(): void {
  // memcached exits at once on these signals; a close still waiting on a client must not keep us alive.
  setTimeout(() => process.exit(0), 1000).unref();
  clearInterval(idle);
  void server.close().then(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGUSR1', stop);
