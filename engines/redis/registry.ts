// The engines listening in this process, by port, so REPLICAOF host port can find its primary.
import type { Engine } from './engine.ts';

const byPort = new Map<number, Engine>();

export function registerEngine(port: number, engine: Engine): void {
  byPort.set(port, engine);
}

export function unregisterEngine(port: number, engine: Engine): void {
  if (byPort.get(port) === engine) byPort.delete(port);
}

export function findEngine(port: number): Engine | undefined {
  return byPort.get(port);
}

/** Every engine listening in this process (tests find the one behind an endpoint by a client of theirs). */
export function registeredEngines(): Engine[] {
  return [...byPort.values()];
}
