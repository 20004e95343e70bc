// A throwaway CA and server certificates made with openssl in a temp dir, for the https-proxy
// tests (Debian: openssl). EC P-256 keys: quick to make, accepted by Node's and curl's TLS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA whose subject is CN=<name>. */
export function makeCa(parent: string, name: string): TestCa {
  const dir = mkdtempSync(join(parent, 'ca-'));
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  openssl(['req', '-x509', ...KEY, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

/** A server certificate for CN=<name> with subjectAltName DNS:<name>, signed by `ca`. */
export function issueServerCert(parent: string, ca: TestCa, name: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(parent, 'srv-'));
  const csr = join(dir, 'srv.csr');
  const key = join(dir, 'srv.key');
  const cert = join(dir, 'srv.pem');
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, `subjectAltName=DNS:${name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', ...KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}
