import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/** Singular value decomposition with singular values sorted largest first (ml-matrix's order is not promised). */
export function sortedSvd(m: Matrix): { u: Matrix; s: number[]; v: Matrix } {
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const order = svd.diagonal.map((_, i) => i).sort((i, j) => svd.diagonal[j]! - svd.diagonal[i]!);
  const u = new Matrix(m.rows, order.length);
  const v = new Matrix(m.columns, order.length);
  order.forEach((col, c) => {
    u.setColumn(c, svd.leftSingularVectors.getColumn(col));
    v.setColumn(c, svd.rightSingularVectors.getColumn(col));
  });
  return { u, s: order.map((i) => svd.diagonal[i]!), v };
}
