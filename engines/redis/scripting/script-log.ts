// redis.log's lines. Nodes have no log file, so the engine keeps the latest lines the way Redis
// would have written them (same verbosity filter, same line shape) for whoever ships node logs.

/** Redis's verbosity names by level number (redis.LOG_DEBUG .. LOG_WARNING), and its line marks. */
const LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;
const MARKS = ['.', '-', '*', '#'];
/** How many lines are kept; the oldest go first. */
export const SCRIPT_LOG_LINES = 1000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

export class ScriptLog {
  readonly lines: string[] = [];

  /** Keeps the message when `level` is at least the configured loglevel, as serverLog does. */
  write(level: number, message: string, configured: string | undefined, now: number): void {
    const min = LEVELS.indexOf((configured ?? 'notice') as (typeof LEVELS)[number]);
    if (level < (min < 0 ? 2 : min)) return;
    this.lines.push(`${process.pid}:M ${stamp(now)} ${MARKS[level]} ${message}`);
    if (this.lines.length > SCRIPT_LOG_LINES) this.lines.splice(0, this.lines.length - SCRIPT_LOG_LINES);
  }
}
