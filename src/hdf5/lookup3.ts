/**
 * Bob Jenkins' lookup3 hash ("hashlittle", byte by byte), which HDF5 uses for the checksums of
 * its newer metadata structures (HDF5 File Format Specification, "Checksums": the superblock
 * from version 2, version 2 object headers, their continuation blocks, …). Public-domain
 * algorithm, written here from its description; 32-bit arithmetic throughout.
 */
export function lookup3(bytes: Uint8Array, initval = 0): number {
  let length = bytes.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let o = 0;
  const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
  const word = (i: number): number => bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
  while (length > 12) {
    a = (a + word(o)) | 0;
    b = (b + word(o + 4)) | 0;
    c = (c + word(o + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c >>> 0;
  // The last 1..12 bytes, each added at its place in a, b or c (the rest count as zero).
  const add = [0, 0, 0];
  for (let i = 0; i < length; i++) add[i >> 2] = (add[i >> 2]! + (bytes[o + i]! << (8 * (i & 3)))) | 0;
  a = (a + add[0]!) | 0;
  b = (b + add[1]!) | 0;
  c = (c + add[2]!) | 0;
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
