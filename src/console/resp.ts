/** A decoded RESP2 reply, as JSON can carry it. */
export type Reply = string | number | null | Reply[] | { error: string };

/** Decodes one complete RESP2 reply (what an internal command answers). */
export function decodeReply(buf: Buffer): Reply {
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', pos);
    if (end < 0) throw new Error('truncated reply');
    const text = buf.toString('utf8', pos, end);
    pos = end + 2;
    return text;
  };
  const one = (): Reply => {
    const kind = String.fromCharCode(buf[pos] as number);
    pos++;
    const head = line();
    switch (kind) {
      case '+':
        return head;
      case '-':
        return { error: head };
      case ':':
        return Number(head);
      case '$': {
        const n = Number(head);
        if (n < 0) return null;
        const text = buf.toString('utf8', pos, pos + n);
        pos += n + 2;
        return text;
      }
      case '*': {
        const n = Number(head);
        if (n < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) items.push(one());
        return items;
      }
      default:
        throw new Error(`unexpected reply type ${kind}`);
    }
  };
  return one();
}
