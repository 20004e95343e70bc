// Programs built with _FORTIFY_SOURCE call __read_chk/__recv_chk/__recvfrom_chk, not read/recv/
// recvfrom: the shim must take those too, or a non-blocking connect's verdict byte would reach the
// program as the first byte of the stream.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { BANNER_PORT, CLOSED_PORT } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { BANNER } from '../helpers/body';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted'], { root: true });

/** Non-blocking connect, then one fortified read/recv/recvfrom (len from argv, so the _chk call stays). */
const C_FORTIFIED = `
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc < 5) return 2;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
	inet_pton(AF_INET, argv[1], &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) { printf("connect errno %d\\n", errno); return 0; }
	char buf[256];
	size_t want = (size_t)atoi(argv[4]);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 10000);
		ssize_t n;
		if (argv[3][0] == 'r') n = read(fd, buf, want);
		else if (argv[3][1] == 'e' && argv[3][4] == 'f') n = recvfrom(fd, buf, want, 0, NULL, NULL);
		else n = recv(fd, buf, want, 0);
		if (n < 0 && errno == EAGAIN) continue;
		if (n < 0) { printf("errno %d\\n", errno); return 0; }
		fwrite(buf, 1, (size_t)n, stdout);
		return 0;
	}
}
`;

describe('fortified programs (_FORTIFY_SOURCE=2)', { skip: SKIP || skipUnless(['gcc']) }, () => {
  let lab: Lab;
  let X: string[];
  let exe: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, X } = { lab: s.lab, X: s.X }));
  before(() => {
    const src = join(lab.dir, 'fortified.c');
    exe = join(lab.dir, 'fortified');
    writeFileSync(src, C_FORTIFIED);
    const cc = spawnSync(bin('gcc'), ['-O2', '-D_FORTIFY_SOURCE=2', '-o', exe, src], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const imports = spawnSync('nm', ['-D', exe], { encoding: 'utf8' }).stdout;
    for (const fn of ['__read_chk', '__recv_chk', '__recvfrom_chk']) assert.match(imports, new RegExp(fn), `the probe must really call ${fn}`);
  });

  for (const call of ['read', 'recv', 'recvfrom']) {
    test(`${call}: the server's banner arrives without the verdict byte in front`, async () => {
      takeLeaks(lab);
      const r = await sockswrap(lab, [...X, '--', exe, lab.targetIp4, String(BANNER_PORT), call, '200']);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString('latin1'), BANNER);
      assertNoLeaks(lab);
    });
  }

  test('a refused target is an errno from the fortified read, not a data byte', async () => {
    takeLeaks(lab);
    const r = await sockswrap(lab, [...X, '--', exe, lab.targetIp4, String(CLOSED_PORT), 'read', '200']);
    assert.equal(r.stdout.toString().trim(), 'errno 111', show(r));
    assertNoLeaks(lab);
  });
});
