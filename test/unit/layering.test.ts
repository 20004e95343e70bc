// The TypeScript layers (docs/architecture.md, "Layers"): src/ folders import each other without
// a cycle, and only cli/ (the launcher, the user's command line) may import cli/. Read from the
// sources rather than the compiled JS: `import type` is erased by tsc, and a type-only import is
// still a dependency a reader has to follow (it made the cli <-> agent cycle of issue 13).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'src');

/** Every relative import of a file, `import`/`export ... from`, bare `import`, `import()`, `require()`. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  // Comments may name modules too ("see ../cli/logger"): they are no dependency.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[1]!);
  return found.filter((s) => s.startsWith('.'));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The top folder under src/ a path is in ('' for a file directly in src/). */
function folderOf(path: string): string {
  const rel = relative(SRC, path).split(sep);
  return rel.length > 1 ? rel[0]! : '';
}

/** folder -> folder -> the file imports that make the edge (for the failure message). */
export function folderGraph(files: readonly string[], read: (path: string) => string): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const from = folderOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const spec of importsOf(read(file))) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from)!;
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to)!.push(`${relative(SRC, file)} -> ${spec}`);
    }
  }
  return graph;
}

/** One cycle of folders (first folder repeated at the end), or undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) !== undefined) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('layering of src/', () => {
  const files = tsFiles(SRC);
  const graph = folderGraph(files, (p) => readFileSync(p, 'utf8'));

  it('reads the imports it checks (the check itself can fail)', () => {
    assert.ok(files.length > 50, `found ${files.length} .ts files under ${SRC}`);
    assert.deepEqual(
      importsOf("import type { A } from '../cli/x';\nimport {\n  b,\n} from \"./y\";\nexport * from '../z';\nimport './side';\n// import '../no'\nconst q = require('../r');"),
      ['../cli/x', './y', '../z', './side', '../r'],
    );
    const cyclic = new Map([['agent', new Map([['log', []]])], ['log', new Map([['cli', []]])], ['cli', new Map([['agent', []]])]]);
    assert.deepEqual(findCycle(cyclic), ['agent', 'log', 'cli', 'agent']);
    assert.equal(findCycle(new Map([['cli', new Map([['agent', []]])], ['agent', new Map()]])), undefined);
    assert.ok(graph.get('cli')?.has('agent'), 'cli imports agent (the launcher starts it)');
  });

  it('no import cycle between folders', () => {
    const cycle = findCycle(graph);
    const detail = cycle?.slice(0, -1).map((from, i) => `  ${from} -> ${cycle[i + 1]}: ${graph.get(from)!.get(cycle[i + 1]!)!.join(', ')}`);
    assert.equal(cycle, undefined, `import cycle ${cycle?.join(' -> ')}:\n${detail?.join('\n')}`);
  });

  it('nothing outside cli/ imports cli/', () => {
    const offenders = [...graph].filter(([from, edges]) => from !== 'cli' && edges.has('cli')).flatMap(([, edges]) => edges.get('cli')!);
    assert.deepEqual(offenders, []);
  });
});
