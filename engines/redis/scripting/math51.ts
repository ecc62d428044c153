// C's pow for Lua's `^` and math.pow, as redis-server's Lua 5.1 computes them with glibc on x86.
// fengari's `^` (lvm's OP_POW, lobject's constant folding and lua_arith) calls Math.pow; wrapping
// the global would change it for every module of the process, so those two modules get a local
// Math with this pow instead (fengari-source.ts).

/** x86's default NaN, which is negative: glibc prints it "-nan". */
export const NEGATIVE_NAN = ((): number => {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, 0xfff80000);
  return v.getFloat64(0);
})();

const jsPow = Math.pow;

/** glibc's pow: its NaN from numbers (not from a NaN operand) is x86's negative one, and pow(1, y), pow(-1, +-inf) are 1. */
export function pow51(x: number, y: number): number {
  const r = jsPow(x, y);
  if (r === r) return r;
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return x === x && y === y ? NEGATIVE_NAN : r;
}

/** Math for fengari's `^` (fengari-source.ts gives it to lvm.js and lobject.js). */
export const MATH51: Math = Object.assign(Object.create(Math) as Math, { pow: pow51 });
