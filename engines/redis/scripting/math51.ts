// C's pow for Lua's `^` and math.pow, as redis-server's Lua 5.1 computes them with glibc on x86.
// fengari's `^` (lvm's OP_POW, lobject's constant folding and lua_arith) calls the global Math.pow;
// wrapping that global would change Math.pow for every module of the process, so those two fengari
// modules are compiled, once, with a module-local `Math` whose pow is glibc's.
import Module from 'node:module';

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

const MATH51: Math = Object.assign(Object.create(Math) as Math, { pow: pow51 });
const WITH_POW51 = /[\\/]fengari[\\/]src[\\/](lvm|lobject)\.js$/;

interface CompilingModule {
  _compile(content: string, filename: string): unknown;
  math51?: Math;
}

/**
 * Runs `load` (which must be the first to require fengari's lvm.js and lobject.js) with those two
 * modules' source given `const Math = module.math51` after their "use strict" line (same line, so
 * positions stay). Node's compile hook is put back as soon as `load` returns.
 */
export function withPow51<T>(load: () => T): T {
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const compile = proto._compile;
  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    if (!WITH_POW51.test(filename)) return compile.call(this, content, filename);
    this.math51 = MATH51;
    const patched = content.replace(/^"use strict";/, '"use strict"; const Math = module.math51;');
    if (patched === content) throw new Error(`${filename}: no "use strict" line to give a local Math`);
    return compile.call(this, patched, filename);
  };
  try {
    return load();
  } finally {
    proto._compile = compile;
  }
}
