// Bob Jenkins' lookup3 `hashlittle` with an initial value of 0: memcached's `hash_algorithm jenkins` (the
// default of ElastiCache parameter groups, and of memcached's -o no_modern). Like murmur3, it decides the
// hash-table walk orders clients can see.

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** lookup3 over the latin1 bytes of `key` (little-endian reads, as on the x86 builds memcached ships). */
export function jenkins(key: string): number {
  let length = key.length;
  let a = (0xdeadbeef + length) | 0;
  let b = a;
  let c = a;
  const byte = (i: number) => key.charCodeAt(i) & 0xff;
  const word = (i: number, n: number) => {
    let w = 0;
    for (let j = 0; j < n; j++) w |= byte(i + j) << (8 * j);
    return w;
  };
  let i = 0;
  while (length > 12) {
    a = (a + word(i, 4)) | 0;
    b = (b + word(i + 4, 4)) | 0;
    c = (c + word(i + 8, 4)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    i += 12;
  }
  if (length === 0) return c >>> 0;
  // The last 1..12 bytes, zero-padded.
  a = (a + word(i, Math.min(length, 4))) | 0;
  if (length > 4) b = (b + word(i + 4, Math.min(length - 4, 4))) | 0;
  if (length > 8) c = (c + word(i + 8, length - 8)) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}
