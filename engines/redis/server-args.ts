// redis-server's command line, read as 7.0's main() and loadServerConfig read it: an optional config file
// first (a path, or '-' for standard input), then `--name value...` options. The options are appended to
// the file's text as lines of their own ("--save ''" is the line `save ""`), and the whole text is read one
// line at a time: blank lines and '#' comments skipped, each line split as sdssplitargs splits, so an error
// names the line of the combined text, as redis-server's fatal config error does.
import fs from 'node:fs';
import { splitInline } from './resp/parser.ts';

export interface Directive {
  name: string;
  args: string[];
  /** 1-based, in the file's text followed by the options. */
  line: number;
  /** The line as written (trimmed), for the error. */
  text: string;
}

/** A line redis-server would refuse at start: it prints this and exits with status 1. */
export class ConfigError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    readonly why: string,
  ) {
    super(why);
  }

  /** redis-server 7.0's report, word for word. */
  report(version: string): string {
    return `\n*** FATAL CONFIG FILE ERROR (Redis ${version}) ***\nReading the configuration file, at line ${this.line}\n>>> '${this.text}'\n${this.why}\n`;
  }
}

/** sdscatrepr: how an option's argument is quoted into its line (and CONFIG REWRITE's string values). */
export function quoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c < 32 || c > 126) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The options after the config file, as the text redis-server appends to it. */
function optionsText(argv: readonly string[]): string {
  let text = '';
  for (const a of argv) {
    if (a.startsWith('--')) {
      if (text !== '') text += '\n';
      text += `${a.slice(2)} `;
    } else text += `${quoted(a)} `;
  }
  return text;
}

/** Reads the command line (without the program name) into directives, in order. */
export function readServerArgs(argv: readonly string[], readStdin: () => string = () => fs.readFileSync(0, 'latin1')): Directive[] {
  let file = '';
  let rest = argv;
  const first = argv[0];
  if (first !== undefined && !first.startsWith('--')) {
    file = first === '-' ? readStdin() : fs.readFileSync(first, 'latin1');
    rest = argv.slice(1);
  }
  const text = `${file}\n${optionsText(rest)}`;
  const out: Directive[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = splitInline(line);
    if (words === null) throw new ConfigError(i + 1, line, 'Unbalanced quotes in configuration line');
    if (words.length === 0) return;
    out.push({ name: (words[0] as string).toLowerCase(), args: words.slice(1), line: i + 1, text: line });
  });
  return out;
}
