// Stands in for the memcached binary under memcached's test suite: same command line, our engine.
// SIGINT/SIGTERM stop it as they stop memcached, so the suite's handles clean up the same way.
import { createMemcachedServer } from '../../engines/memcached/server.ts';
import { parseMemcachedArgs, UsageError } from './options.ts';

function invoke(argv: string[]): ReturnType<typeof parseMemcachedArgs> {
  try {
    return parseMemcachedArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(err.exitCode);
  }
}

const { action, options } = invoke(process.argv.slice(2));
if (action === 'version') {
  process.stdout.write('memcached 1.6.18\n');
  process.exit(0);
}
const server = createMemcachedServer(options);
server.listen().then(
  () => undefined,
  (err: Error) => {
    process.stderr.write(`failed to listen on TCP port ${options.port}: ${err.message}\n`);
    process.exit(71);
  },
);
const stop = (): void => {
  // memcached exits at once on these signals; a close still waiting on a client must not keep us alive.
  setTimeout(() => process.exit(0), 1000).unref();
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGUSR1', stop);
