/**
 * Measures of how a mode is split between pathways (DESIGN §2.6). Inputs are strengths[a][α].
 */

/** share[a][α] = K_aα / Σ_b K_bα (NaN where the mode's total is 0: no share is defined there). */
export function shares(strengths: readonly (readonly number[])[]): number[][] {
  const K = strengths[0]?.length ?? 0;
  const totals = new Array<number>(K).fill(0);
  for (const row of strengths) row.forEach((k, m) => (totals[m]! += k));
  return strengths.map((row) => row.map((k, m) => (totals[m] === 0 ? NaN : k / totals[m]!)));
}

/** max_a share[a][α] per mode: 1/M when even, 1 when one pathway carries the whole mode. */
export function winnerShare(strengths: readonly (readonly number[])[]): number[] {
  const s = shares(strengths);
  return s[0]!.map((_, m) => Math.max(...s.map((row) => row[m]!)));
}

/** 1 / (M Σ_a share²) per mode: 1 when even, 1/M when concentrated in one pathway. */
export function participation(strengths: readonly (readonly number[])[]): number[] {
  const s = shares(strengths);
  const M = s.length;
  return s[0]!.map((_, m) => 1 / (M * s.reduce((sum, row) => sum + row[m]! ** 2, 0)));
}

/**
 * Block-level strengths for degenerate singular values, where per-mode diagonals depend on the basis:
 * for each block of mode indices, the Frobenius norm of each pathway's diagonal entries in the block.
 * (With only the diagonal K_aα available, this is the norm of the block's diagonal; the simulator supplies
 * whole blocks.)
 */
export function blockStrengths(
  strengths: readonly (readonly number[])[],
  blocks: readonly (readonly number[])[],
): number[][] {
  return strengths.map((row) => blocks.map((block) => Math.sqrt(block.reduce((s, m) => s + row[m]! ** 2, 0))));
}

/**
 * Block-level strengths from whole mode matrices K_a = Uᵀ Ω_a V (as the simulator reads them out,
 * `modeMatrices[a][i][j]`): for each block of degenerate modes, the Frobenius norm of pathway a's block of K_a.
 * Within a degenerate block the task fixes U and V only up to one common rotation R, which maps the block of
 * K_a to Rᵀ K_a R and leaves this norm unchanged, while single diagonal entries change.
 */
export function blockMatrixStrengths(
  modeMatrices: readonly (readonly (readonly number[])[])[],
  blocks: readonly (readonly number[])[],
): number[][] {
  return modeMatrices.map((K) =>
    blocks.map((block) => {
      let sum = 0;
      for (const i of block) for (const j of block) sum += K[i]![j]! ** 2;
      return Math.sqrt(sum);
    }),
  );
}

/** Groups mode indices whose singular values agree to a relative tolerance (sorted input not required). */
export function degenerateBlocks(singularValues: readonly number[], rtol = 1e-9): number[][] {
  const blocks: number[][] = [];
  singularValues.forEach((s, m) => {
    const block = blocks.find((b) => Math.abs(singularValues[b[0]!]! - s) <= rtol * Math.max(Math.abs(s), 1e-300));
    if (block) block.push(m);
    else blocks.push([m]);
  });
  return blocks;
}
