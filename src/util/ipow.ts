/** x^n for an integer n ≥ 0 by repeated squaring: exact for the small n of pathway depths, cheaper than Math.pow. */
export function ipow(x: number, n: number): number {
  let result = 1;
  let base = x;
  while (n > 0) {
    if (n & 1) result *= base;
    base *= base;
    n >>= 1;
  }
  return result;
}
