import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostsFile } from '../../src/agent/hosts-file';

const TEXT = `# comment
127.0.0.1\tlocalhost
::1     localhost ip6-localhost   # trailing comment
198.51.100.7  Printer.lan printer
198.51.100.8  printer.lan
not-an-ip  bogus
`;

test('names in the hosts file resolve locally, case-insensitively, in file order', () => {
  const hosts = new HostsFile(TEXT);
  assert.deepEqual(hosts.lookup('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(hosts.lookup('PRINTER.lan.'), ['198.51.100.7', '198.51.100.8']);
  assert.deepEqual(hosts.lookup('printer'), ['198.51.100.7']);
  assert.equal(hosts.lookup('bogus'), undefined);
  assert.equal(hosts.lookup('example.test'), undefined);
});

test('localhost and *.localhost are local even without a hosts file', () => {
  const hosts = new HostsFile('');
  assert.deepEqual(hosts.lookup('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(hosts.lookup('app.localhost'), ['127.0.0.1', '::1']);
});

test('reverse lookups give the first name of the first line with that address', () => {
  const hosts = new HostsFile(TEXT);
  assert.equal(hosts.reverse('198.51.100.7'), 'Printer.lan');
  assert.equal(hosts.reverse('0:0:0:0:0:0:0:1'), 'localhost');
  assert.equal(hosts.reverse('192.0.2.1'), undefined);
});
