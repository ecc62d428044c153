// What MONITOR shows of commands that carry secrets: redis-server 7.0 shows AUTH, HELLO ... AUTH and
// MIGRATE ... AUTH/AUTH2 with each password (and username) replaced by "(redacted)".
const REDACTED = '(redacted)';

export function redactForMonitor(name: string, args: readonly string[]): string[] {
  const out = [...args];
  if (name === 'auth') {
    for (let i = 1; i < out.length; i++) out[i] = REDACTED;
  } else if (name === 'hello') {
    for (let i = 2; i < out.length; i++) {
      if ((out[i] as string).toLowerCase() === 'auth') {
        for (let j = i + 1; j <= i + 2 && j < out.length; j++) out[j] = REDACTED;
        break;
      }
    }
  } else if (name === 'migrate') {
    for (let i = 6; i < out.length; i++) {
      const w = (out[i] as string).toLowerCase();
      if (w === 'keys') break;
      const n = w === 'auth' ? 1 : w === 'auth2' ? 2 : 0;
      for (let j = i + 1; j <= i + n && j < out.length; j++) out[j] = REDACTED;
      i += n;
    }
  }
  return out;
}
