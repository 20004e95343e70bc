// tools/bundle.js, the start-up snapshot's bundler: a package of a few modules in a temp dir,
// bundled and run as one script, must give what Node's own loading gives (relative requires, a
// dependency in a linked node_modules, JSON, a require cycle, built-ins); a require that is not a
// string literal must fail the bundle rather than be missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { collect, render } = require(join(__dirname, '..', '..', '..', 'tools', 'bundle.js')) as {
  collect(root: string, entries: string[]): [string, string, Record<string, string>][];
  render(modules: [string, string, Record<string, string>][], tail: string): string;
};

function runNode(args: string[]): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** What Node's own loading of `main` (a module exporting a function) prints. */
const viaNode = (main: string) => runNode(['-e', `console.log(require(${JSON.stringify(main)})())`]);
/** What the bundle `text` prints when run as one script from `dir`. */
function viaBundle(dir: string, text: string): string {
  const script = join(dir, 'bundle.js');
  writeFileSync(script, text);
  return runNode([script]);
}

/** A temp dir removed after the test. */
function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sw-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('bundle: the same results as Node loading the files, through a linked node_modules', (t) => {
  const dir = scratch(t);
  const root = join(dir, 'pkg');
  const deps = join(dir, 'elsewhere', 'node_modules');
  mkdirSync(join(root, 'lib'), { recursive: true });
  mkdirSync(join(deps, 'dep'), { recursive: true });
  symlinkSync(deps, join(root, 'node_modules'));
  writeFileSync(join(deps, 'dep', 'package.json'), '{ "name": "dep", "main": "main.js" }\n');
  writeFileSync(join(deps, 'dep', 'main.js'), "exports.name = 'dep:' + require('./package.json').name;\n");
  writeFileSync(join(root, 'data.json'), '{ "n": 3 }\n');
  writeFileSync(join(root, 'lib', 'a.js'), "exports.early = 'a'; const b = require(\"./b\"); exports.late = b.fromA;\n");
  writeFileSync(join(root, 'lib', 'b.js'), "const a = require('./a'); exports.fromA = a.early + '+b';\n");
  writeFileSync(join(root, 'main.js'), [
    "const { basename } = require('node:path');",
    "const a = require('./lib/a');",
    "module.exports = () => [a.late, require('dep').name, require('./data.json').n, basename(__filename), typeof require('node:fs').readFileSync].join(' ');",
  ].join('\n'));
  const direct = viaNode(join(root, 'main.js'));
  assert.equal(direct, 'a+b dep:dep 3 main.js function\n');

  const modules = collect(root, [join(root, 'main.js')]);
  assert.deepEqual(modules.map(([key]) => key).sort(), ['data.json', 'lib/a.js', 'lib/b.js', 'main.js', 'node_modules/dep/main.js', 'node_modules/dep/package.json']);
  assert.equal(viaBundle(dir, render(modules, `bundle.root = ${JSON.stringify(root)}; console.log(load('main.js')());`)), direct);
});

test('bundle: a require that is not a string literal fails the bundle', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'main.js'), "const name = './x'; module.exports = require(name);\n");
  assert.throws(() => collect(dir, [join(dir, 'main.js')]), /main\.js: require\(name\) is not a string literal/);
});

test('bundle: characters past ASCII come out escaped, and mean what they meant', (t) => {
  const dir = scratch(t);
  // A comment, a string, a template, a regular expression (a class and a /u astral), an identifier.
  writeFileSync(join(dir, 'main.js'), [
    '// an arrow → in a comment',
    "const café = 'a → b';",
    'const t = `§${1 + 1} ×`;',
    "module.exports = () => [café, t, /[–—]/.test('x — y'), /^😀$/u.test('😀'), 'ünï'.length, café.charCodeAt(2)].join('|');",
  ].join('\n'));
  const direct = viaNode(join(dir, 'main.js'));
  assert.equal(direct, 'a → b|§2 ×|true|true|3|8594\n');
  const text = render(collect(dir, [join(dir, 'main.js')]), "console.log(load('main.js')()); // the tail → too");
  assert.doesNotMatch(text, /[^\x00-\x7f]/);
  assert.equal(viaBundle(dir, text), direct);
});

test('bundle: a backslash before a character past ASCII fails the bundle', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'main.js'), "module.exports = /a\\→/.source;\n");
  assert.throws(() => render(collect(dir, [join(dir, 'main.js')]), ''), /main\.js: a backslash before "→"/);
});

test('bundle: a line separator fails the bundle (it ends a // comment, its escape would not); a leading BOM is dropped, as Node drops it', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'main.js'), '// a comment\u2028module.exports = 1;\n');
  assert.throws(() => render(collect(dir, [join(dir, 'main.js')]), ''), /main\.js: a line or paragraph separator \(U\+2028\)/);
  writeFileSync(join(dir, 'main.js'), '\uFEFFmodule.exports = () => "bom";\n');
  assert.equal(viaNode(join(dir, 'main.js')), 'bom\n');
  assert.equal(viaBundle(dir, render(collect(dir, [join(dir, 'main.js')]), "console.log(load('main.js')());")), 'bom\n');
});
