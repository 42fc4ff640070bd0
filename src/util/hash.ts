/** Seeds from text: a point's seed from its coordinates, a rule's feedback seed from its point's seed. */
/**
 * A 53-bit string hash: two FNV-1a lanes (one over the text forwards, one backwards, with different offsets),
 * each finished with MurmurHash3's fmix32 avalanche; 21 bits of one and 32 of the other make a safe integer.
 */
export function hash53(text: string): number {
  let lo = 0x811c9dc5;
  let hi = 0x811c9dc5 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    lo = Math.imul(lo ^ text.charCodeAt(i), 0x01000193);
    hi = Math.imul(hi ^ text.charCodeAt(text.length - 1 - i), 0x01000193);
  }
  return 4294967296 * (fmix32(hi) & 0x1fffff) + fmix32(lo);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
