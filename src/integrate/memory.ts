/**
 * Memory of the integrators: `slabArray` carves small Float64Arrays out of a shared slab (no off-heap
 * allocation per solve), and `WorkPool` lends each run its work arrays.
 */

/** Doubles per slab of `slabArray`. */
const SLAB = 16_384;
let slabBuffer = new Float64Array(SLAB);
let slabUsed = 0;

/**
 * A zeroed Float64Array of `length` carved out of a shared slab (a view; one 128 KB buffer serves many solves).
 * A Float64Array of more than 8 doubles is backed by memory outside the JavaScript heap, and creating one costs
 * about as much as a whole small solve (allocation, zero-fill, tracking by the garbage collector); a view of a
 * slab is an ordinary heap object. A slab stays alive while any view of it does: long-lived solutions keep at
 * most one slab each. Lengths above SLAB/8 get their own buffer.
 */
export function slabArray(length: number): Float64Array {
  if (length > SLAB >> 3) return new Float64Array(length);
  if (slabUsed + length > SLAB) {
    slabBuffer = new Float64Array(SLAB);
    slabUsed = 0;
  }
  const view = slabBuffer.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

/**
 * Reusable work objects (stage vectors) per state dimension. A run takes one and gives it back when done, so
 * repeated solves of small systems (the reduced model solves thousands of 1–8-state systems) allocate no work
 * arrays. Re-entrant: a solve started inside a right-hand side finds the pool empty and allocates its own.
 * A work object must not be referenced by anything that outlives the run.
 */
export class WorkPool<W> {
  private readonly free = new Map<number, W[]>();
  private readonly make: (n: number) => W;

  constructor(make: (n: number) => W) {
    this.make = make;
  }

  take(n: number): W {
    const list = this.free.get(n);
    return list !== undefined && list.length > 0 ? list.pop()! : this.make(n);
  }

  give(n: number, w: W): void {
    // Small systems only, and a few per size: the pool exists to avoid per-solve allocation, not to hold memory.
    if (n > 256) return;
    let list = this.free.get(n);
    if (list === undefined) this.free.set(n, (list = []));
    if (list.length < 4) list.push(w);
  }
}
