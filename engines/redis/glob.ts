// Glob matching with Redis's rules (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET): * ? [a-z] [^x] and \ escapes.
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return match(pattern, 0, str, 0, nocase, 0);
}

function eq(a: string, b: string, nocase: boolean): boolean {
  return nocase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function match(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): boolean {
  // Deep nesting of stars is cut off like Redis does, so a hostile pattern can't blow the stack.
  if (depth > 1000) return false;
  while (pi < p.length) {
    const c = p[pi] as string;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) {
        if (match(p, pi + 1, s, k, nocase, depth + 1)) return true;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      si++;
      pi++;
      continue;
    }
    if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let matched = false;
      const ch = s[si] as string;
      for (;;) {
        if (pi >= p.length) {
          pi--; // Redis treats an unterminated class as ending at the last char
          break;
        }
        if (p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (eq(p[pi] as string, ch, nocase)) matched = true;
        } else if (p[pi] === ']') {
          break;
        } else if (p[pi + 1] === '-' && pi + 2 < p.length) {
          let lo = (p[pi] as string).charCodeAt(0);
          let hi = (p[pi + 2] as string).charCodeAt(0);
          if (lo > hi) [lo, hi] = [hi, lo];
          let x = ch.charCodeAt(0);
          if (nocase) {
            lo = lowerCode(lo);
            hi = lowerCode(hi);
            x = lowerCode(x);
          }
          if (x >= lo && x <= hi) matched = true;
          pi += 2;
        } else if (eq(p[pi] as string, ch, nocase)) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (!eq(p[pi] as string, s[si] as string, nocase)) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
