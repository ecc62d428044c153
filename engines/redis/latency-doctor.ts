// LATENCY DOCTOR's report in redis-server 7.0's words: per event its statistics, then the advice
// each kind of event calls for (latency.c createLatencyReport). Events this engine never records
// (fork, AOF) have no advice here; transparent huge pages are not this process's concern.

export interface DoctorSettings {
  thresholdMs: number;
  slowlogSlowerThan: number;
  slowlogMaxLen: number;
  hz: number;
}

export interface DoctorEvent {
  name: string;
  samples: { time: number; latency: number }[];
  max: number;
}

const DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const QUIET =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const SCHEDULER =
  '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
  '  1) Lower the system load.\n' +
  '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
  '  3) Check if you have a "noisy neighbour" problem.\n' +
  "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
  '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
const LARGE_OBJECTS =
  '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
const MASS_EVICTION =
  "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n";

/** Integer statistics as analyzeLatencyForEvent computes them (unsigned integer averages). */
function stats(samples: DoctorEvent['samples'], nowSec: number): { avg: number; mad: number; period: number } {
  const n = samples.length;
  const avg = Math.floor(samples.reduce((a, s) => a + s.latency, 0) / n);
  const mad = Math.floor(samples.reduce((a, s) => a + Math.abs(s.latency - avg), 0) / n);
  const oldest = Math.min(...samples.map((s) => s.time));
  return { avg, mad, period: nowSec - oldest || 1 };
}

export function latencyReport(events: DoctorEvent[], s: DoctorSettings, nowSec: number): string {
  if (events.length === 0 && s.thresholdMs === 0) return DISABLED;
  let out = '';
  let advices = 0;
  const advise = new Set<string>();
  const want = (...names: string[]): void => {
    for (const n of names) advise.add(n);
    advices += names.length;
  };
  events.forEach((ev, i) => {
    if (i === 0) out += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const n = ev.samples.length;
    const st = stats(ev.samples, nowSec);
    out += `${i + 1}. ${ev.name}: ${n} latency spikes (average ${st.avg}ms, mean deviation ${st.mad}ms, period ${(st.period / n).toFixed(2)} sec). Worst all time event ${ev.max}ms.\n`;
    if (ev.name === 'command') {
      if (s.slowlogSlowerThan < 0 || s.slowlogMaxLen === 0) want('slowlog-enable');
      else if (Math.trunc(s.slowlogSlowerThan / 1000) > s.thresholdMs) want('slowlog-tune');
      want('slowlog-inspect', 'large-objects');
    } else if (ev.name === 'fast-command') want('scheduler');
    else if (ev.name === 'expire-cycle') want('hz', 'large-objects');
    else if (ev.name === 'eviction-del') want('large-objects');
    else if (ev.name === 'eviction-cycle') want('mass-eviction');
  });
  if (events.length === 0 && advices === 0) return QUIET;
  if (advices === 0) return `${out}\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n`;
  out += '\nI have a few advices for you:\n\n';
  const slowlogValue = s.thresholdMs * 1000;
  if (advise.has('slowlog-enable'))
    out += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${slowlogValue}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (advise.has('slowlog-tune'))
    out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${slowlogValue}'.\n`;
  if (advise.has('slowlog-inspect'))
    out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (advise.has('scheduler')) out += SCHEDULER;
  if (advise.has('hz') && s.hz < 100)
    out += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  if (advise.has('large-objects')) out += LARGE_OBJECTS;
  if (advise.has('mass-eviction')) out += MASS_EVICTION;
  return out;
}
