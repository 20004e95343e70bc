// NODE_EXTRA_CA_CERTS moved aside for node's start by bin/sockswrap and put back by the launcher
// (src/client/extra-ca-certs.ts), and the https hop's CA store (tls-hop.ts caStore): the file
// node skipped is added where Node's default store would have had it, and only there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { MOVED_VAR, restoreExtraCaCerts } from '../../src/client/extra-ca-certs';
import { caStore } from '../../src/client/tls-hop';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('restoreExtraCaCerts: the variable back as it was moved, set or empty; the moved one gone; nothing moved, nothing changed', () => {
  const moved: NodeJS.ProcessEnv = { [MOVED_VAR]: '/etc/extra.pem', PATH: '/bin' };
  restoreExtraCaCerts(moved);
  assert.deepEqual(moved, { NODE_EXTRA_CA_CERTS: '/etc/extra.pem', PATH: '/bin' });
  const empty: NodeJS.ProcessEnv = { [MOVED_VAR]: '' };
  restoreExtraCaCerts(empty);
  assert.deepEqual(empty, { NODE_EXTRA_CA_CERTS: '' });
  const none: NodeJS.ProcessEnv = { PATH: '/bin' };
  restoreExtraCaCerts(none);
  assert.deepEqual(none, { PATH: '/bin' });
  // Set again after the move: that one is what node read, and it stays.
  const again: NodeJS.ProcessEnv = { [MOVED_VAR]: '/a.pem', NODE_EXTRA_CA_CERTS: '/b.pem' };
  restoreExtraCaCerts(again);
  assert.deepEqual(again, { NODE_EXTRA_CA_CERTS: '/b.pem' });
});

test('caStore: a system store wins and the extra file is not added (as Node ignores it when ca is given); without one, the bundled list and the extra file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-extraca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const system = join(dir, 'system.pem');
  const extra = join(dir, 'extra.pem');
  writeFileSync(system, 'SYSTEM\n');
  writeFileSync(extra, PEM);
  assert.deepEqual(caStore([undefined, join(dir, 'missing.pem'), system], extra), { file: system, pem: 'SYSTEM\n' });
  assert.deepEqual(caStore([join(dir, 'missing.pem')], undefined), { file: "Node's bundled CA list", pem: undefined });
  const withExtra = caStore([join(dir, 'missing.pem')], extra);
  assert.equal(withExtra.file, `Node's bundled CA list and ${extra} (NODE_EXTRA_CA_CERTS)`);
  assert.equal(withExtra.pem, [...rootCertificates, PEM].join('\n'));
});

test('caStore: an extra file that cannot be read is ignored with one warning naming it, as Node does', (t) => {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
  t.after(() => { process.stderr.write = write; });
  const missing = join(tmpdir(), `sw-no-such-${process.pid}.pem`);
  const store = caStore([], missing);
  process.stderr.write = write;
  assert.deepEqual(store, { file: "Node's bundled CA list", pem: undefined });
  assert.deepEqual(written, [`sockswrap: ignoring extra certs from ${missing} (NODE_EXTRA_CA_CERTS): ENOENT\n`]);
});
