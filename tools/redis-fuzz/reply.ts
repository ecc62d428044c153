// RESP2/RESP3 frames as trees, so replies can be normalised before they are compared as text.

export interface Frame {
  /** The type byte: + - : $ * _ , # ( = ! ~ % | > */
  type: string;
  /** Line or bulk payload (latin1); null for nil bulk/array. */
  text: string | null;
  items?: Frame[];
}

/** Parses one frame at pos; returns it with the position after it, or null when buf holds less than a frame. */
export function parseFrame(buf: Buffer, pos = 0): { frame: Frame; end: number } | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString('latin1', pos + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return { frame: { type, text: null }, end: after };
      if (after + n + 2 > buf.length) return null;
      return { frame: { type, text: buf.toString('latin1', after, after + n) }, end: after + n + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const n = Number(line);
      if (n < 0) return { frame: { type, text: null }, end: after };
      const count = type === '%' || type === '|' ? n * 2 : n;
      const items: Frame[] = [];
      let at = after;
      for (let i = 0; i < count; i++) {
        const sub = parseFrame(buf, at);
        if (!sub) return null;
        items.push(sub.frame);
        at = sub.end;
      }
      return { frame: { type, text: line, items }, end: at };
    }
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return { frame: { type, text: line }, end: after };
    default:
      throw new Error(`not a RESP frame: ${JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 40)))}`);
  }
}

/** A one-line rendering that keeps every byte: what differences are shown and compared as. */
export function render(f: Frame): string {
  if (f.items) return `${f.type}[${f.items.map(render).join(', ')}]`;
  if (f.text === null) return `${f.type}nil`;
  if (f.type === '$' || f.type === '=' || f.type === '!') return `${f.type}${JSON.stringify(f.text)}`;
  return `${f.type}${f.text}`;
}

export const isError = (f: Frame): boolean => f.type === '-' || f.type === '!';
