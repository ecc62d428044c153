// What MONITOR and the slow log show of commands that carry secrets: redis-server 7.0 replaces with
// "(redacted)" the passwords (and user names) of AUTH, HELLO ... AUTH and MIGRATE ... AUTH/AUTH2, every
// argument of ACL SETUSER from the user name on, and the values of sensitive configs in CONFIG SET.
const REDACTED = '(redacted)';
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass']);

/**
 * `fullName` is the command's (CONFIG SET is 'config|set'). `accepts` says whether a user name and
 * password log in: HELLO authenticates at each AUTH option and stops at the first that fails.
 */
export function redactSecrets(fullName: string, args: readonly string[], accepts?: (user: string, pass: string) => boolean): string[] {
  const out = [...args];
  // Each command redacts as its parsing reaches the secret: an error found before it leaves it shown.
  if (fullName === 'auth') {
    // More than three arguments is a syntax error before any redaction.
    if (out.length <= 3) for (let i = 1; i < out.length; i++) out[i] = REDACTED;
  } else if (fullName === 'hello') {
    // A protocol version other than 2 or 3 is refused first; the options are read up to the first bad one.
    if (out.length >= 2 && out[1] !== '2' && out[1] !== '3') return out;
    for (let i = 2; i < out.length; i++) {
      const w = (out[i] as string).toLowerCase();
      const more = out.length - 1 - i;
      if (w === 'auth' && more >= 2) {
        const [user, pass] = [out[i + 1] as string, out[i + 2] as string];
        out[i + 1] = REDACTED;
        out[i + 2] = REDACTED;
        if (accepts !== undefined && !accepts(user, pass)) break;
        i += 2;
      } else if (w === 'setname' && more >= 1) i++;
      else break;
    }
  } else if (fullName === 'migrate') {
    for (let i = 6; i < out.length; i++) {
      const w = (out[i] as string).toLowerCase();
      const more = out.length - 1 - i;
      if (w === 'copy' || w === 'replace') continue;
      const n = w === 'auth' ? 1 : w === 'auth2' ? 2 : 0;
      // KEYS ends the options; an unknown one, or AUTH/AUTH2 short of arguments, is a syntax error.
      if (n === 0 || more < n) break;
      for (let j = i + 1; j <= i + n; j++) out[j] = REDACTED;
      i += n;
    }
  } else if (fullName === 'acl|setuser') {
    for (let i = 2; i < out.length; i++) out[i] = REDACTED;
  } else if (fullName === 'config|set') {
    // An odd count of arguments is refused before the names are looked at.
    if (out.length % 2 === 0) for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE_CONFIGS.has((out[i] as string).toLowerCase())) out[i + 1] = REDACTED;
  }
  return out;
}
