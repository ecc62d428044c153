// LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HELP over the engine's latency monitor (latency.ts).
import type { Client } from '../client.ts';
import type { CommandSpec } from '../command-table.ts';
import { asCString } from '../c-string.ts';
import { fail } from '../errors.ts';
import { writeHelp } from './util.ts';

const FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;

function latest(c: Client): void {
  const rows = c.engine.latency.latest();
  c.w.array(rows.length);
  for (const [event, time, latency, max] of rows) {
    c.w.array(4);
    c.w.bulk(event);
    c.w.int(time);
    c.w.int(latency);
    c.w.int(max);
  }
}

function history(c: Client, a: string[]): void {
  const samples = c.engine.latency.history(a[2] as string);
  c.w.array(samples.length);
  for (const s of samples) {
    c.w.array(2);
    c.w.int(s.time);
    c.w.int(s.latency);
  }
}

function graph(c: Client, a: string[]): void {
  const event = a[2] as string;
  if (!c.engine.latency.has(event)) fail(`ERR No samples available for event '${asCString(event)}'`);
  c.w.verbatim(c.engine.latency.graph(event, Math.floor(c.engine.clock.now() / 1000)));
}

function doctor(c: Client): void {
  const cfg = c.engine.config;
  const settings = { thresholdMs: cfg.latencyMonitorThreshold, slowlogSlowerThan: cfg.slowlogSlowerThan, slowlogMaxLen: cfg.slowlogMaxLen, hz: cfg.hz };
  c.w.verbatim(c.engine.latency.doctor(settings, Math.floor(c.engine.clock.now() / 1000)));
}

export const latencySubcommands: CommandSpec[] = [
  { name: 'latest', arity: 2, flags: FLAGS, handler: latest },
  { name: 'history', arity: 3, flags: FLAGS, handler: history },
  { name: 'graph', arity: 3, flags: FLAGS, handler: graph },
  { name: 'reset', arity: -2, flags: FLAGS, handler: (c, a) => c.w.int(c.engine.latency.reset(a.slice(2))) },
  { name: 'doctor', arity: 2, flags: FLAGS, handler: doctor },
  {
    name: 'help',
    arity: 2,
    flags: ['loading', 'stale'],
    handler: (c) =>
      writeHelp(c, [
        'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'DOCTOR',
        '    Return a human readable latency analysis report.',
        'GRAPH <event>',
        '    Return an ASCII latency graph for the <event> class.',
        'HISTORY <event>',
        '    Return time-latency samples for the <event> class.',
        'LATEST',
        '    Return the latest latency samples for all events.',
        'RESET [<event> ...]',
        '    Reset latency data of one or more <event> classes.',
        '    (default: reset all data for all event classes)',
        'HISTOGRAM [COMMAND ...]',
        '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
        '    If no commands are specified then all histograms are replied.',
        'HELP',
        '    Prints this help.',
      ]),
  },
];
