import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePortRange } from '../../src/config.ts';

interface Compose {
  services: Record<string, { build?: string; command?: string[]; ports?: string[] }>;
}

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync('docker-compose.yml', 'utf8')) as Compose;
  const service = compose.services.elasticache!;
  const flag = (name: string) => service.command!.find((c) => c.startsWith(`--${name}=`))?.split('=')[1];

  it('runs the emulator bound to every interface, with the API port and the node port range published', () => {
    expect(service.build).toBe('.');
    expect(flag('host')).toBe('0.0.0.0');
    const apiPort = flag('port');
    expect(service.ports).toContain(`${apiPort}:${apiPort}`);
    const range = parsePortRange(flag('node-port-range')!);
    expect(range).not.toBe('ephemeral');
    if (range === 'ephemeral') return;
    expect(service.ports).toContain(`${range.from}-${range.to}:${range.from}-${range.to}`);
    expect(flag('endpoint-host')).toBe('elasticache');
  });

  it('builds from a Dockerfile that starts the same binary', () => {
    const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/elasticache-local.mjs"\]/);
    expect(dockerfile).toContain('npm ci');
  });

  it('exposes exactly the node port range the image and the compose file run with', () => {
    const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
    const env = /ELASTICACHE_LOCAL_NODE_PORT_RANGE=(\d+-\d+)/.exec(dockerfile)?.[1];
    const exposed = /^EXPOSE .*?\b(\d+-\d+)\b/m.exec(dockerfile)?.[1];
    expect(env).toBeDefined();
    expect([exposed, flag('node-port-range')]).toEqual([env, env]);
  });
});
