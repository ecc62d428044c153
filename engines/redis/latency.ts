// The latency monitor (latency-monitor-threshold): per event class, the last 160 per-second maxima
// and the all-time maximum, as redis-server's latency.c keeps them, plus its GRAPH and DOCTOR text.

import { latencyReport, type DoctorSettings } from './latency-doctor.ts';

const TS_LEN = 160;
const GRAPH_COLS = 80;

interface Sample {
  time: number;
  latency: number;
}

interface Series {
  samples: Sample[];
  idx: number;
  max: number;
}

export class LatencyMonitor {
  private readonly events = new Map<string, Series>();

  /** latencyAddSampleIfNeeded: `ms` counts once it reaches a non-zero threshold. */
  addIfNeeded(event: string, ms: number, thresholdMs: number, nowMs: number): void {
    if (thresholdMs > 0 && ms >= thresholdMs) this.add(event, Math.floor(ms), Math.floor(nowMs / 1000));
  }

  /** Samples in one second keep only that second's maximum. */
  add(event: string, latency: number, now: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { samples: Array.from({ length: TS_LEN }, () => ({ time: 0, latency: 0 })), idx: 0, max: 0 };
      this.events.set(event, ts);
    }
    if (latency > ts.max) ts.max = latency;
    const prev = ts.samples[(ts.idx + TS_LEN - 1) % TS_LEN] as Sample;
    if (prev.time === now) {
      if (latency > prev.latency) prev.latency = latency;
      return;
    }
    ts.samples[ts.idx] = { time: now, latency };
    ts.idx = (ts.idx + 1) % TS_LEN;
  }

  /** [event, time of the latest sample, its latency, all-time max] per event. */
  latest(): [string, number, number, number][] {
    return [...this.events].map(([name, ts]) => {
      const last = ts.samples[(ts.idx + TS_LEN - 1) % TS_LEN] as Sample;
      return [name, last.time, last.latency, ts.max];
    });
  }

  /** Samples of one event, oldest first; none for an unknown event. */
  history(event: string): Sample[] {
    const ts = this.events.get(event);
    if (ts === undefined) return [];
    const out: Sample[] = [];
    for (let j = 0; j < TS_LEN; j++) {
      const s = ts.samples[(ts.idx + j) % TS_LEN] as Sample;
      if (s.time !== 0) out.push(s);
    }
    return out;
  }

  /** Drops the named events (all when none are named); answers how many existed. */
  reset(events: string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of events) if (this.events.delete(e)) n++;
    return n;
  }

  has(event: string): boolean {
    return this.events.has(event);
  }

  /** LATENCY GRAPH: a header line, a rule, and a filled 4-row sparkline with "time ago" labels. */
  graph(event: string, nowSec: number): string {
    const ts = this.events.get(event) as Series;
    const samples = this.history(event);
    let min = 0;
    let max = 0;
    const labels: string[] = [];
    samples.forEach((s, i) => {
      if (i === 0) min = max = s.latency;
      else {
        max = Math.max(max, s.latency);
        min = Math.min(min, s.latency);
      }
      const elapsed = nowSec - s.time;
      labels.push(elapsed < 60 ? `${elapsed}s` : elapsed < 3600 ? `${Math.trunc(elapsed / 60)}m` : elapsed < 86400 ? `${Math.trunc(elapsed / 3600)}h` : `${Math.trunc(elapsed / 86400)}d`);
    });
    let out = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
    const values = samples.map((s) => s.latency);
    for (let j = 0; j < values.length; j += GRAPH_COLS) {
      if (j !== 0) out += '\n';
      out += sparkline(values, labels, min, max, j, Math.min(GRAPH_COLS, values.length - j));
    }
    return out;
  }

  /** LATENCY DOCTOR's report (latency-doctor.ts) over every event's samples. */
  doctor(settings: DoctorSettings, nowSec: number): string {
    const events = [...this.events].map(([name, ts]) => ({ name, samples: this.history(name), max: ts.max }));
    return latencyReport(events, settings, nowSec);
  }
}

const CHARSET_FILL = '_o#';
const ROWS = 4;
const LABEL_MARGIN_TOP = 1;

/** sparklineRenderRange with SPARKLINE_FILL over values[offset, offset+len). */
function sparkline(values: number[], labels: string[], min: number, max: number, offset: number, len: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET_FILL.length * ROWS;
  let out = '';
  for (let row = 0; ; row++) {
    let loop = false;
    const chars: string[] = new Array(len).fill(' ');
    for (let j = 0; j < len; j++) {
      const relval = (values[offset + j] as number) - min;
      let step = Math.trunc(Math.trunc(relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < ROWS) {
        const idx = step - (ROWS - row - 1) * CHARSET_FILL.length;
        loop = true;
        if (idx >= 0 && idx < CHARSET_FILL.length) chars[j] = CHARSET_FILL[idx] as string;
        else if (idx >= CHARSET_FILL.length) chars[j] = '|';
      } else {
        if (labels.length > 0 && row - ROWS < LABEL_MARGIN_TOP) {
          loop = true;
          break;
        }
        const label = labels[offset + j] as string;
        const at = row - ROWS - LABEL_MARGIN_TOP;
        if (label.length > at) {
          loop = true;
          chars[j] = label[at] as string;
        }
      }
    }
    if (!loop) return out;
    out += `${chars.join('')}\n`;
  }
}
