import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

/**
 * ARCHITECTURE.md's one direction of dependency, checked on the source: which top-level folder
 * of src/ may import which. A new import against the arrows fails here, not in review.
 */
const ALLOWED: Record<string, string[]> = {
  config: ['common'],
  common: ['config'],
  auth: ['common', 'config'],
  'webhook-endpoints': ['auth', 'common', 'config'],
  delivery: ['webhook-endpoints', 'auth', 'common', 'config'],
  'stripe-integration': ['auth', 'common', 'config'],
  contacts: ['auth', 'common', 'config'],
  'event-normalization': ['stripe-integration', 'contacts', 'delivery', 'auth', 'common', 'config'],
  operations: ['auth', 'common', 'config'],
};

const SRC = resolve(__dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

const moduleOf = (file: string): string => relative(SRC, file).split('/')[0]!;

describe('module dependency graph', () => {
  const edges: Array<{ from: string; to: string; file: string; target: string }> = [];
  for (const file of files(SRC)) {
    const from = moduleOf(file);
    if (!(from in ALLOWED)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!));
      const to = target.split('/')[0]!;
      if (to !== from && to in ALLOWED) edges.push({ from, to, file: relative(SRC, file), target });
    }
  }

  it('imports only along the allowed arrows', () => {
    const bad = edges.filter(
      (e) => !ALLOWED[e.from]!.some((a) => a === e.to || e.target === a || e.target.startsWith(`${a}/`)),
    );
    expect(bad.map((e) => `${e.file} → ${e.target}`)).toEqual([]);
  });

  it('has no cycles between modules', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (path.includes(n)) {
        // config ↔ common is one shared layer (config reads common's duration parser).
        const cycle = [...path.slice(path.indexOf(n)), n];
        if (!cycle.every((c) => c === 'config' || c === 'common')) cycles.push(cycle.join(' → '));
        return;
      }
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
