import { parseArgs } from 'node:util';
import { defaultDataDir, DEFAULTS, ENV, parseCredentials, type EmulatorOptions } from './config.ts';
import { CA_PATH, start } from './index.ts';
import { tlsCaPath } from './lifecycle/tls.ts';
import { launchedByNpm, watchParent } from './launcher-watch.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log.ts';

const USAGE = `usage:
  elasticache-local [--port N] [--host H] [--data-dir DIR] [--node-port-range A-B] [--redis-default-port N]
                    [--loopback-aliases on|off] [--node-threads]
                    [--region R] [--account-id ID] [--endpoint-host NAME] [--delay-ms N] [--log-requests]
                    [--log-level trace|debug|info|warn|error|fatal|silent]
                    [--credentials KEY:SECRET[:ACCOUNT],...] [--verify-signatures]
  elasticache-local redis-server [CONFIG-FILE] [--port N] [--bind H] [--NAME VALUE...]   (redis-server's options)
  elasticache-local memcached --port N [--host H] [-m MB] [-I SIZE]

Defaults: --port ${DEFAULTS.port}, --host ${DEFAULTS.host}, --node-port-range ${DEFAULTS.nodePortRange}, --redis-default-port ${DEFAULTS.redisDefaultPort},
--region ${DEFAULTS.region}, --account-id ${DEFAULTS.accountId}, --delay-ms ${DEFAULTS.transitionDelayMs}, --log-level ${DEFAULTS.logLevel}.
Each option also reads an environment variable: ${Object.values(ENV).join(', ')}.`;

function fromEnv(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function flagFromEnv(name: string): boolean {
  const v = fromEnv(name)?.toLowerCase();
  if (v === undefined || v === '0' || v === 'false' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'yes') return true;
  throw new Error(`${name} must be true or false, got "${v}"`);
}

function intOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function onOff(text: string | undefined, name: string): boolean | undefined {
  if (text === undefined) return undefined;
  const v = text.toLowerCase();
  if (v === 'on' || v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'off' || v === 'false' || v === '0' || v === 'no') return false;
  throw new Error(`${name} must be on or off, got "${text}"`);
}

function logLevelOption(text: string | undefined): LogLevel | undefined {
  if (text === undefined || isLogLevel(text)) return text;
  throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
}

async function runEmulator(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'node-port-range': { type: 'string' },
      'redis-default-port': { type: 'string' },
      'loopback-aliases': { type: 'string' },
      'node-threads': { type: 'boolean' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      'endpoint-host': { type: 'string' },
      'delay-ms': { type: 'string' },
      'log-requests': { type: 'boolean' },
      'log-level': { type: 'string' },
      credentials: { type: 'string' },
      'verify-signatures': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options: EmulatorOptions = {
    port: intOption(values.port ?? fromEnv(ENV.port), '--port'),
    host: values.host ?? fromEnv(ENV.host),
    dataDir: values['data-dir'] ?? fromEnv(ENV.dataDir) ?? defaultDataDir(),
    nodePortRange: values['node-port-range'] ?? fromEnv(ENV.nodePortRange),
    redisDefaultPort: intOption(values['redis-default-port'] ?? fromEnv(ENV.redisDefaultPort), '--redis-default-port'),
    loopbackAliases: onOff(values['loopback-aliases'] ?? fromEnv(ENV.loopbackAliases), '--loopback-aliases'),
    nodeThreads: values['node-threads'] ?? flagFromEnv(ENV.nodeThreads),
    region: values.region ?? fromEnv(ENV.region),
    accountId: values['account-id'] ?? fromEnv(ENV.accountId),
    endpointHost: values['endpoint-host'] ?? fromEnv(ENV.endpointHost),
    transitionDelayMs: intOption(values['delay-ms'] ?? fromEnv(ENV.transitionDelayMs), '--delay-ms'),
    logRequests: values['log-requests'] ?? false,
    logLevel: logLevelOption(values['log-level'] ?? fromEnv(ENV.logLevel)) ?? DEFAULTS.logLevel,
    credentials: parseCredentials(values.credentials ?? fromEnv(ENV.credentials) ?? ''),
    verifySignatures: values['verify-signatures'] ?? flagFromEnv(ENV.verifySignatures),
  };
  const dataDirIsDefault = values['data-dir'] === undefined && fromEnv(ENV.dataDir) === undefined;
  const emulator = await start(options);
  const c = emulator.config;
  console.log(`elasticache-local: data directory ${c.dataDir}${dataDirIsDefault ? ' (default; change with --data-dir)' : ''}`);
  console.log(`elasticache-local: TLS CA ${tlsCaPath(emulator.config.dataDir)} (also at ${emulator.url}${CA_PATH})`);
  console.log(
    `elasticache-local: nodes on ${c.host} ports ${c.nodePorts === 'ephemeral' ? 'chosen by the OS' : `${c.nodePorts.from}-${c.nodePorts.to}`}, region ${c.region}, account ${c.accountId}`,
  );
  if (c.verifySignatures) console.log(`elasticache-local: verifying SigV4 signatures for ${c.credentials.size} access key(s)`);
  console.log(`elasticache-local: ElastiCache API listening on ${emulator.url}`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`elasticache-local: ${signal}, stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if (launchedByNpm()) watchParent(() => shutdown('npm exited'));
}

export async function main(argv: string[]): Promise<void> {
  try {
    const [command, ...rest] = argv;
    if (command === 'redis-server') {
      const { runStandalone } = await import('../engines/redis/index.ts');
      await runStandalone(rest);
    } else if (command === 'memcached') {
      const { runStandalone } = await import('../engines/memcached/index.ts');
      await runStandalone(rest);
    } else {
      await runEmulator(argv);
    }
  } catch (err) {
    console.error(`elasticache-local: ${err instanceof Error ? err.message : String(err)}`);
    console.error(USAGE);
    process.exit(2);
  }
}
