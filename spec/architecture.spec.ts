/**
 * The layering of docs/architecture.md, checked on the source: every static or dynamic import of a module in
 * src/<folder>/ names only folders that layer may import. A new import across the layers fails here, and the
 * page and this table are changed together.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** What each folder may import (besides itself). Keep in step with docs/architecture.md. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  util: [],
  integrate: ['util'],
  analysis: [],
  plot: [],
  reduced: ['util', 'integrate'],
  exact: ['util', 'integrate', 'analysis', 'reduced'],
  network: ['util', 'integrate', 'reduced'],
  gated: ['util', 'integrate', 'reduced', 'network'],
  richlazy: ['util', 'integrate', 'reduced', 'network', 'analysis'],
  rules: ['util', 'integrate', 'reduced', 'network', 'analysis'],
  sweep: ['util', 'integrate', 'analysis', 'plot', 'reduced', 'exact', 'network', 'gated', 'richlazy', 'rules'],
  cli: ['util', 'integrate', 'analysis', 'plot', 'reduced', 'exact', 'network', 'gated', 'richlazy', 'rules', 'sweep'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

/** Relative module specifiers of a file: `from '…'`, `import('…')`, `export … from '…'`. */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) specs.push(m[1]!);
  return specs;
}

describe('architecture: what each layer imports', () => {
  it('every folder of src/ is in the table (a new folder says where it sits)', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).to.deep.equal([]);
  });

  it('no module imports a folder its layer may not', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const folder = relative(SRC, file).split(sep)[0]!;
      if (!(folder in ALLOWED)) continue; // top-level files (src/index.ts) may import everything
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const target = relative(SRC, resolve(file, '..', spec)).split(sep)[0]!;
        if (target === folder || target.endsWith('.ts')) continue;
        if (!ALLOWED[folder]!.includes(target)) violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).to.deep.equal([]);
  });

  it('the checker sees imports (a planted violation is found)', () => {
    expect(importsOf("import { x } from '../cli/main.ts';\nconst y = await import('../sweep/a.ts');")).to.deep.equal([
      '../cli/main.ts',
      '../sweep/a.ts',
    ]);
  });
});
