import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type EmulatorOptions, type ResolvedConfig } from './config.ts';
import { restoreWorld } from './lifecycle/restore.ts';
import { warmTlsKeys } from './lifecycle/tls.ts';
import { createApiListener } from './http-listener.ts';
import { CA_PATH } from './query-api.ts';
import { World } from './world.ts';

export type { EmulatorOptions } from './config.ts';

export interface Emulator {
  /** The API endpoint, e.g. http://127.0.0.1:9736 — pass it as --endpoint-url / endpoint. */
  url: string;
  port: number;
  config: ResolvedConfig;
  /** PEM file of the CA that signs every TLS node certificate. */
  caPath: string;
  stop(): Promise<void>;
}

/**
 * Starts the emulator. For test suites: `start({ port: 0 })` picks free ports for the API and every node,
 * and, unless a dataDir is given, keeps its metadata in a temporary directory removed by stop().
 */
export async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const temporary = options.dataDir === undefined && options.port === 0;
  const dataDir = temporary ? fs.mkdtempSync(path.join(os.tmpdir(), 'elasticache-local-')) : options.dataDir;
  const removeTemporary = () => {
    if (temporary && dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let config: ResolvedConfig;
  let world: World;
  try {
    config = resolveConfig({ ...options, dataDir });
    world = new World(config);
  } catch (err) {
    removeTemporary();
    throw err;
  }
  const api = createApiListener(world);
  let port: number;
  try {
    await restoreWorld(world);
    world.startSchedulers();
    port = await api.listen(config.host, config.port);
  } catch (err) {
    // Nothing a failed start brought up may outlive it: nodes and endpoints stop (their data saved, so
    // the next start on this data directory finds it), the database closes, the ports are free again.
    await api.close().catch(() => undefined);
    await world.stop();
    removeTemporary();
    throw err;
  }
  // TLS material is made on first use (a TLS node or the CA download); its keys are prepared off the
  // start path and off the event loop, so that first use is quick too.
  warmTlsKeys(config.dataDir)
    .then(() => {
      if (stopped === undefined) world.runtime.tls();
    })
    .catch((err: unknown) => world.log.error({ err }, 'could not prepare TLS material'));
  const urlHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    config,
    // Reading the path makes the CA at once if the warm-up has not yet (callers read the file next).
    get caPath() {
      return world.runtime.tls().caPath;
    },
    stop() {
      stopped ??= (async () => {
        await api.close();
        await world.stop();
        removeTemporary();
      })();
      return stopped;
    },
  };
}

export { CA_PATH };
export { testClient, type TestClient, type FaultsClient, type FaultRequest, type FaultView } from './faults/client.ts';
