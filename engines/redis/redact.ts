// What MONITOR and the slow log show of commands that carry secrets: redis-server 7.0 replaces with
// "(redacted)" the passwords (and user names) of AUTH, HELLO ... AUTH and MIGRATE ... AUTH/AUTH2, every
// argument of ACL SETUSER from the user name on, and the values of sensitive configs in CONFIG SET.
const REDACTED = '(redacted)';
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass']);

/** `fullName` is the command's (CONFIG SET is 'config|set'). */
export function redactSecrets(fullName: string, args: readonly string[]): string[] {
  const out = [...args];
  if (fullName === 'auth') {
    for (let i = 1; i < out.length; i++) out[i] = REDACTED;
  } else if (fullName === 'hello') {
    for (let i = 2; i < out.length; i++) {
      if ((out[i] as string).toLowerCase() === 'auth') {
        for (let j = i + 1; j <= i + 2 && j < out.length; j++) out[j] = REDACTED;
        break;
      }
    }
  } else if (fullName === 'migrate') {
    for (let i = 6; i < out.length; i++) {
      const w = (out[i] as string).toLowerCase();
      if (w === 'keys') break;
      const n = w === 'auth' ? 1 : w === 'auth2' ? 2 : 0;
      for (let j = i + 1; j <= i + n && j < out.length; j++) out[j] = REDACTED;
      i += n;
    }
  } else if (fullName === 'acl|setuser') {
    for (let i = 2; i < out.length; i++) out[i] = REDACTED;
  } else if (fullName === 'config|set') {
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE_CONFIGS.has((out[i] as string).toLowerCase())) out[i + 1] = REDACTED;
  }
  return out;
}
