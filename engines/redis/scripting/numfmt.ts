// printf's "%.<p>g" for doubles, as glibc prints it (Lua 5.1's tostring uses "%.14g").

export function formatG(d: number, precision: number): string {
  if (Number.isNaN(d)) return '-nan'; // x86 produces the negative default NaN, and glibc shows its sign
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const [mant, expText] = d.toExponential(p - 1).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= p) {
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = d.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
