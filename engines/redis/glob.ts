// Glob matching with Redis's rules (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET): * ? [a-z] [^x] and \ escapes.
// Strings hold one byte per char (latin1), so char codes are the bytes redis-server compares.
//
// Two bounds keep a hostile pattern ("a*a*a*...*b") from running for minutes, as in redis-server:
// once the rest of a pattern after a star failed to match from every later position, no earlier
// star can help by eating more, so the whole match fails at once; and star recursion stops at a depth.

/** redis-server gives up (no match) past this many nested stars. */
export const GLOB_MAX_NESTING = 1000;

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const CARET = 94;
const BACKSLASH = 92;
const DASH = 45;

interface MatchState {
  /** Set when a star's remainder failed everywhere: the outer stars stop trying longer spans. */
  giveUp: boolean;
}

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchAt(pattern, 0, str, 0, nocase, { giveUp: false }, 0);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Class ranges compare C chars, which are signed on the platforms redis-server ships for. */
function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, st: MatchState, nesting: number): boolean {
  if (nesting > GLOB_MAX_NESTING) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const c = p.charCodeAt(pi);
    if (c === STAR) {
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === STAR) pi++;
      if (pi + 1 === plen) return true;
      for (; si < slen; si++) {
        if (matchAt(p, pi + 1, s, si, nocase, st, nesting + 1)) return true;
        if (st.giveUp) return false;
      }
      st.giveUp = true;
      return false;
    }
    if (c === QUESTION) {
      // any one byte
    } else if (c === OPEN) {
      pi++;
      const not = pi < plen && p.charCodeAt(pi) === CARET;
      if (not) pi++;
      const ch = s.charCodeAt(si);
      let matched = false;
      for (;;) {
        if (pi + 1 < plen && p.charCodeAt(pi) === BACKSLASH) {
          // An escaped char in a class compares exactly, even with nocase (as redis-server does).
          pi++;
          if (p.charCodeAt(pi) === ch) matched = true;
        } else if (pi < plen && p.charCodeAt(pi) === CLOSE) {
          break;
        } else if (pi >= plen) {
          pi--; // an unterminated class ends with the pattern
          break;
        } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === DASH) {
          let lo = signed(p.charCodeAt(pi));
          let hi = signed(p.charCodeAt(pi + 2));
          if (lo > hi) [lo, hi] = [hi, lo];
          let x = signed(ch);
          if (nocase) {
            lo = lower(lo);
            hi = lower(hi);
            x = lower(x);
          }
          pi += 2;
          if (x >= lo && x <= hi) matched = true;
        } else {
          const pc = p.charCodeAt(pi);
          if (nocase ? lower(pc) === lower(ch) : pc === ch) matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
    } else {
      if (c === BACKSLASH && pi + 1 < plen) pi++;
      const pc = p.charCodeAt(pi);
      const ch = s.charCodeAt(si);
      if (nocase ? lower(pc) !== lower(ch) : pc !== ch) return false;
    }
    si++;
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === STAR) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
