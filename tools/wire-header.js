#!/usr/bin/env node
'use strict';
// Writes the C side of the shim <-> agent wire from its one definition, src/wire (docs/wire-protocol.md,
// docs/architecture.md "Where a wire op lives"):
//   native-shims/core/wire-protocol.h  every constant, from the table in src/wire/c-header.ts, read compiled
//                                 from dist/ (so `tsc` runs first; plain node, no dependency)
//   test/vectors/wire-frames.h    the golden frames of test/vectors/wire-frames.json as C arrays, with
//                                 their fields, for the shim's C codec test
// `node tools/wire-header.js` writes both; `--check` (what `npm run build` runs) writes nothing and
// fails when either checked-in file differs from what src/wire and the vectors give.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const HEADER = join(root, 'native-shims', 'core', 'wire-protocol.h');
const VECTORS_JSON = join(root, 'test', 'vectors', 'wire-frames.json');
const VECTORS_H = join(root, 'test', 'vectors', 'wire-frames.h');

function loadTable() {
  const compiled = join(root, 'dist', 'src', 'wire', 'c-header.js');
  try {
    return require(compiled);
  } catch (err) {
    console.error(`wire-header: cannot load ${relative(root, compiled)} (run tsc first): ${err.message}`);
    process.exit(2);
  }
}

const hex = (n) => `0x${n.toString(16).padStart(2, '0')}`;

function header({ C_GROUPS, C_ERRNOS }) {
  const out = [
    '/* The shim <-> agent wire protocol: constants. GENERATED from src/wire (src/wire/c-header.ts) by',
    ' * tools/wire-header.js: do not edit. Change src/wire, then run `node tools/wire-header.js`;',
    ' * `npm run build` fails while this file is stale. docs/wire-protocol.md says what each one means. */',
    '#ifndef SOCKSWRAP_WIRE_PROTOCOL_H',
    '#define SOCKSWRAP_WIRE_PROTOCOL_H',
    '',
    '#include <errno.h>',
  ];
  for (const group of C_GROUPS) {
    out.push('', `/* ${group.comment} */`);
    if (group.enumTag) {
      out.push(`enum ${group.enumTag} {`);
      for (const [name, value] of group.entries) out.push(`\t${name} = ${group.hex ? hex(value) : value},`);
      out.push('};');
    } else {
      for (const [name, value] of group.entries) out.push(`#define ${name} ${group.hex ? hex(value) : value}`);
    }
  }
  out.push('', '/* The errnos the agent puts on the wire are Node\'s numbers: errno.h must agree. */');
  for (const [name, value] of Object.entries(C_ERRNOS)) out.push(`_Static_assert(${name} == ${value}, "${name} differs between the agent and the shim");`);
  out.push('', '#endif', '');
  return out.join('\n');
}

const cName = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
const bytesOf = (buf) => (buf.length ? [...buf].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ') : '0 /* empty */');

/** One vector's fields, flattened: scalars as #define, byte strings and text as arrays/strings. */
function fields(prefix, value, out) {
  if (typeof value === 'number') out.push(`#define ${prefix} ${value}`);
  else if (typeof value === 'boolean') out.push(`#define ${prefix} ${value ? 1 : 0}`);
  else if (typeof value === 'string' && value.startsWith('hex:')) {
    const buf = Buffer.from(value.slice(4), 'hex');
    out.push(`static const uint8_t ${prefix}[] __attribute__((unused)) = { ${bytesOf(buf)} };`, `#define ${prefix}_LEN ${buf.length}`);
  } else if (typeof value === 'string') out.push(`#define ${prefix} ${JSON.stringify(value)}`);
  else if (Array.isArray(value)) {
    out.push(`#define ${prefix}_COUNT ${value.length}`);
    value.forEach((v, i) => fields(`${prefix}_${i}`, v, out));
  } else for (const [k, v] of Object.entries(value)) fields(`${prefix}_${cName(k)}`, v, out);
}

function vectorsHeader(doc, { Op }) {
  const out = [
    '/* The golden frames of the shim <-> agent wire. GENERATED from test/vectors/wire-frames.json by',
    ' * tools/wire-header.js: do not edit. Each vector: its whole frame (WIRE_VEC_<NAME>), and every',
    ' * field of its message (WIRE_VEC_<NAME>_<FIELD>: numbers, byte arrays with _LEN, strings; lists',
    ' * with _COUNT and _<i>), so a C test can build the message, encode it and compare, or decode the',
    ' * frame and compare the fields. WIRE_FRAME_VECTORS lists them all. The TypeScript side is tested',
    ' * against the same file (test/unit/wire-vectors.test.ts). */',
    '#ifndef SOCKSWRAP_WIRE_FRAMES_H',
    '#define SOCKSWRAP_WIRE_FRAMES_H',
    '',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '',
    'struct wire_frame_vector {',
    '\tconst char *name;',
    '\tuint8_t op;          /* the op this frame belongs to (a request\'s kind; a response answers it) */',
    '\tuint8_t response;    /* 0: shim -> agent, 1: agent -> shim */',
    '\tuint32_t id;',
    '\tconst uint8_t *frame;',
    '\tsize_t len;',
    '};',
  ];
  const names = [];
  for (const v of doc.frames) {
    const name = `WIRE_VEC_${cName(v.name)}`;
    const frame = Buffer.from(v.frame, 'hex');
    names.push([name, v]);
    out.push('', `/* ${v.name}: ${v.op} ${v.direction} ${JSON.stringify(v.message).replace(/\*\//g, '* /')} */`);
    out.push(`static const uint8_t ${name}[] = { ${bytesOf(frame)} };`);
    out.push(`#define ${name}_ID ${hex(v.id)}u`);
    fields(`${name}_MSG`, v.message, out);
    // Destinations the shim's scope check (core/plan-template.c) and the agent's (template-scope.ts) must agree on.
    if (v.scopeChecks) fields(`${name}_SCOPE_CHECKS`, v.scopeChecks, out);
  }
  out.push('', 'static const struct wire_frame_vector WIRE_FRAME_VECTORS[] __attribute__((unused)) = {');
  for (const [name, v] of names) out.push(`\t{ "${v.name}", ${hex(Op[v.op])}, ${v.direction === 'response' ? 1 : 0}, ${hex(v.id)}u, ${name}, sizeof ${name} },`);
  out.push('};', '#define WIRE_FRAME_VECTOR_COUNT (sizeof WIRE_FRAME_VECTORS / sizeof WIRE_FRAME_VECTORS[0])', '', '#endif', '');
  return out.join('\n');
}

const table = loadTable();
const { Op } = require(join(root, 'dist', 'src', 'wire', 'ops.js'));
const outputs = [[HEADER, header(table)]];
// A copy of the sources without test/ (npm pack's, test/e2e/packed-install.test.ts) has no vectors.
if (existsSync(VECTORS_JSON)) outputs.push([VECTORS_H, vectorsHeader(JSON.parse(readFileSync(VECTORS_JSON, 'utf8')), { Op })]);
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of outputs) {
  let current;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) {
    console.error(`wire-header: ${relative(root, path)} is stale (src/wire or the vectors changed): run \`node tools/wire-header.js\` and commit it`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`wire-header: wrote ${relative(root, path)}`);
  }
}
process.exit(stale ? 1 : 0);
