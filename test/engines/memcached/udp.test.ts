// Where UDP is served at all: bare servers with -U only, never a node the control plane creates; and
// memcached's -p/-U rules as the memcached-t adapter reads them.
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMemcachedNode, createMemcachedServer } from '../../../engines/memcached/index.ts';
import { parseStandaloneArgs } from '../../../engines/memcached/standalone.ts';
import { parseMemcachedArgs } from '../../../tools/memcached-t/options.ts';
import { textExchange } from './helpers.ts';
import { frame, freeUdpPort, udpExchange } from './udp-helpers.ts';

/** True when nothing holds UDP `port` on 127.0.0.1. */
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe('UDP listener', () => {
  it('is opened by a bare server given a port, and closed with it', async () => {
    const udpPort = await freeUdpPort();
    const server = createMemcachedServer({ port: 0, udpPort });
    await server.listen();
    try {
      expect(server.udpPort).toBe(udpPort);
      expect(await udpPortFree(udpPort)).toBe(false);
      expect((await udpExchange(udpPort, [frame(1, 'set k 0 0 1\r\nv\r\nget k\r\n')])).map((d) => d.payload)).toEqual([
        'STORED\r\n',
        'VALUE k 0 1\r\nv\r\nEND\r\n',
      ]);
      // watch hands memcached's connection to its logger, which cannot write to a UDP peer: no reply.
      expect(await udpExchange(udpPort, [frame(2, 'watch\r\nversion\r\n'), frame(3, 'get k\r\n')])).toHaveLength(1);
      expect((await textExchange(server.port, 'stats settings\r\n')).reply.toString()).toContain(`STAT udpport ${udpPort}\r\n`);
    } finally {
      await server.close();
    }
    expect(await udpPortFree(udpPort)).toBe(true);
  });

  it('is listed as memcached lists an IPv6 listener', async () => {
    const server = createMemcachedServer({ host: '::1', port: 0, udpPort: -1 });
    await server.listen();
    try {
      const reply = await new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '::1', () => socket.write('stats conns\r\n'));
        let text = '';
        socket.on('data', (d) => {
          text += d.toString('latin1');
          if (text.endsWith('END\r\n')) socket.end(() => resolve(text));
        });
      });
      expect(reply).toContain(`STAT 0:addr tcp6:[::1]:${server.port}\r\n`);
      expect(reply).toContain(`STAT 1:addr udp6:[::1]:${server.udpPort}\r\n`);
      expect(reply).toMatch(/:listen_addr tcp6:\[::1\]:\d+\r\n/);
    } finally {
      await server.close();
    }
  });

  it('is never opened by a node the control plane creates', async () => {
    const udpPort = await freeUdpPort();
    const node = createMemcachedNode({ port: 0, udpPort, settings: { udpPort } });
    const port = await node.listen();
    try {
      expect(await udpPortFree(udpPort)).toBe(true);
      const reply = (await textExchange(port, 'stats settings\r\nstats conns\r\n')).reply.toString();
      expect(reply).toContain('STAT udpport 0\r\n');
      expect(reply).not.toContain('udp:');
    } finally {
      await node.close();
    }
  });

  it('is off by default in the standalone runner and taken from -U', () => {
    expect(parseStandaloneArgs(['--port', '11311']).udpPort).toBeUndefined();
    expect(parseStandaloneArgs(['-U', '11312']).udpPort).toBe(11312);
    expect(() => parseStandaloneArgs(['-U', 'x'])).toThrow();
  });

  it("follows memcached's -p/-U rules in the memcached-t adapter", () => {
    const ports = (...argv: string[]) => {
      const { options, tcp } = parseMemcachedArgs(argv);
      return { tcp: tcp ? options.port : null, udp: options.udpPort };
    };
    expect(ports()).toEqual({ tcp: 11211, udp: 0 });
    expect(ports('-p', '11212')).toEqual({ tcp: 11212, udp: 0 });
    // A UDP port alone is the TCP port too; 0 turns UDP off, -1 asks for an ephemeral port.
    expect(ports('-U', '11222')).toEqual({ tcp: 11222, udp: 11222 });
    expect(ports('-U', '0')).toEqual({ tcp: 11211, udp: 0 });
    expect(ports('-U', '-1')).toEqual({ tcp: 0, udp: -1 });
    expect(ports('-p', '11232', '-U', '11233')).toEqual({ tcp: 11232, udp: 11233 });
    expect(ports('-p', '0', '-U', '11252')).toEqual({ tcp: null, udp: 11252 });
    // A port named with the interface is the one both listeners bind.
    expect(ports('-l', '127.0.0.1:11311', '-U', '11312', '-p', '11313')).toEqual({ tcp: 11311, udp: 11311 });
    expect(ports('-l', '[::1]:11314')).toEqual({ tcp: 11314, udp: 0 });
    expect(parseMemcachedArgs(['-l', '::1']).options).toMatchObject({ host: '::1', port: 11211 });
    // Each interface of a list is a listener of its own, on its own port or -p's; notls: needs -Z.
    const listed = parseMemcachedArgs(['-Z', '-l', 'notls:127.0.0.2:11315,127.0.0.3']);
    expect(listed.options).toMatchObject({
      host: '127.0.0.2',
      port: 11211,
      interfaces: [
        { host: '127.0.0.2', port: 11315, notls: true },
        { host: '127.0.0.3', port: 11211, notls: false },
      ],
    });
    expect(parseMemcachedArgs(['-l', 'notls:127.0.0.2:11315']).listenError?.exitCode).toBe(71);
    expect(parseMemcachedArgs(['-h']).action).toBe('help');
  });
});
