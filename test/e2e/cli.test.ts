// The launcher as a user meets it: exit status, signals, 127/126, bad input → 2 with one line,
// stdout untouched, arguments passed through, fail-closed when the proxy is down, loopback direct.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, run, type Lab, type RunOptions } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startMicrosocks, HTTP_PORT, untilLog, reEscape, type Peer } from '../helpers/peers';
import { assertNoLeaks, takeLeaks } from '../helpers/proof';
import { REPO, sockswrap, sockswrapArgv, describe as show } from '../helpers/sockswrap';
import { PY_SIGNAL_WAITER, PY_LOOPBACK } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'microsocks', 'curl', 'python3', 'sh'], { root: true });

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

describe('e2e sockswrap launcher', { skip: SKIP }, () => {
  let lab: Lab;
  let micro: Peer;
  let X: string[];

  standardLab({ microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, micro, X } = { lab: s.lab, micro: s.micro!, X: s.X }));

  test("exit status is the program's: sh -c 'exit 7' → 7, and 0 → 0", async () => {
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', 'exit 7']);
    assert.equal(r.status, 7, show(r));
    const ok = await sockswrap(lab, [...X, '--', 'true']);
    assert.equal(ok.status, 0, show(ok));
  });

  test('a program killed by a signal: sockswrap dies of the same signal (TERM, KILL)', async () => {
    const term = await sockswrap(lab, [...X, '--', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(term.signal, 'SIGTERM', show(term));
    const kill = await sockswrap(lab, [...X, '--', 'sh', '-c', 'kill -KILL $$']);
    assert.equal(kill.signal, 'SIGKILL', show(kill));
  });

  // SIGINT and SIGQUIT too: sent to sockswrap alone (not from a terminal, whose Ctrl-C reaches the
  // program itself: the pty test below). SIGUSR1 must not open Node's inspector.
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGINT', 'SIGQUIT'] as const) {
    test(`${sig} sent to sockswrap reaches the program`, async () => {
      // Its own session: run from a terminal, the runner's group may be its foreground one, where
      // sockswrap leaves SIGINT and SIGQUIT to the terminal.
      const child = lab.spawn(lab.client, sockswrapArgv([...X, '--', bin('python3'), '-c', PY_SIGNAL_WAITER]), { stdio: ['ignore', 'pipe', 'pipe'], cwd: lab.dir, detached: true });
      let out = '';
      let err = '';
      child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
        child.on('exit', (code, signal) => res({ code, signal })));
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`program never became ready: ${out} ${err}`)), 20_000);
        child.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('ready\n')) { clearTimeout(t); res(); }
        });
        child.on('exit', () => { clearTimeout(t); rej(new Error(`exited before ready: ${out} ${err}`)); });
      });
      child.kill(sig); // the pid is sockswrap's own (ip netns exec execs)
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const { code, signal } = await done;
      clearTimeout(killer);
      assert.equal(out, `ready\ngot ${sig}\n`, err);
      assert.deepEqual({ code, signal }, { code: 42, signal: null }, err);
      assert.doesNotMatch(err, /Debugger listening/);
    });
  }

  // Node sets every signal back to its default at its start and in the children it spawns, so the
  // program lost what nohup asked for and died at the first hangup (bin/sockswrap, the command a
  // user runs, reads the mask before node starts). Compared with the same program unwrapped.
  test('nohup: the signals sockswrap was started with ignored stay ignored for the program (dynamic and static)', { skip: skipUnless(['busybox']) }, async () => {
    const command = join(REPO, 'bin', 'sockswrap');
    for (const prog of [[bin('grep'), 'SigIgn', '/proc/self/status'], [bin('busybox'), 'grep', 'SigIgn', '/proc/self/status']]) {
      const direct = await lab.run(lab.client, ['nohup', ...prog]);
      const wrapped = await lab.run(lab.client, ['nohup', command, ...X, '--', ...prog]);
      assert.equal(direct.status, 0, direct.stderr);
      assert.match(direct.stdout.toString(), /^SigIgn:\s+0*1$/m, 'nohup ignores SIGHUP');
      assert.equal(wrapped.stdout.toString(), direct.stdout.toString(), show(wrapped));
      assert.equal(wrapped.status, 0, show(wrapped));
    }
  });

  // A SIGUSR2 after the hangup ends the program: sockswrap passes signals on in order, so a hangup
  // passed on (and not ignored) would have ended it first.
  test('nohup: a hangup sent to sockswrap ends neither it nor the program', async () => {
    const prog = 'import os, signal\nsignal.signal(signal.SIGUSR2, lambda s, f: (print("alive", flush=True), os._exit(0)))\nprint("ready", flush=True)\nwhile True:\n    signal.pause()';
    const child = lab.spawn(lab.client, ['nohup', join(REPO, 'bin', 'sockswrap'), ...X, '--', bin('python3'), '-c', prog], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    await new Promise<void>((res) => child.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (out === 'ready\n') res(); }));
    child.kill('SIGHUP');
    child.kill('SIGUSR2');
    assert.deepEqual(await done, { code: 0, signal: null }, err);
    assert.equal(out, 'ready\nalive\n', err);
  });

  // Only what exec keeps is the caller's: a close-on-exec descriptor of the sh that runs
  // bin/sockswrap (here opened by a preload library) is closed by the exec of node, which then
  // reuses the numbers for its own epoll and pipes; those must never reach the program.
  test('close-on-exec descriptors of the command\'s own shell are not passed on (node reuses their numbers)', async () => {
    const lib = join(lab.dir, 'cloexec-fds.so');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', lib, join(REPO, 'test', 'fixtures', 'cloexec-fds.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const list = [bin('sh'), '-c', 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done'];
    const command = join(REPO, 'bin', 'sockswrap');
    const plain = await lab.run(lab.client, [command, ...X, '--', ...list]);
    const withLib = await lab.run(lab.client, ['env', `LD_PRELOAD=${lib}`, 'OPEN_CLOEXEC_FDS=1', command, ...X, '--', ...list]);
    assert.equal(plain.status, 0, show(plain));
    assert.doesNotMatch(withLib.stdout.toString(), /eventpoll|eventfd/, show(withLib));
    const kinds = (out: Buffer) => out.toString().replace(/\[\d+\]/g, '');
    assert.equal(kinds(withLib.stdout), kinds(plain.stdout), show(withLib));
  });

  // Node marks what it inherited close-on-exec as it starts: a program spawned by it got only 0-2,
  // and `gpg --passphrase-fd 3` or a make jobserver broke. Compared with the
  // same command unwrapped; a static program (the exec helper) too.
  test('descriptors above 2 that sockswrap was given reach the program under their numbers (dynamic and static)', { skip: skipUnless(['busybox']) }, async () => {
    const command = join(REPO, 'bin', 'sockswrap');
    const prog = 'echo three >&3; echo seven >&7; read -r line <&5; echo "five: $line"';
    for (const [name, shell] of [['dynamic', bin('sh')], ['static', bin('busybox')]] as const) {
      const outputs: string[] = [];
      for (const wrap of [[], [command, ...X, '--']]) {
        const dir = mkdtempSync(join(lab.dir, 'fds-'));
        writeFileSync(join(dir, 'in'), 'from five\n');
        const argv = [...wrap, ...(name === 'static' ? [shell, 'sh'] : [shell]), '-c', prog];
        const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
        const r = await lab.run(lab.client, ['sh', '-c', `cd '${dir}' && exec 3>three 7>seven 5<in && exec ${quoted}`]);
        assert.equal(r.status, 0, show(r));
        outputs.push(`${r.stdout} | ${readFileSync(join(dir, 'three'), 'utf8')} | ${readFileSync(join(dir, 'seven'), 'utf8')}`);
      }
      assert.equal(outputs[0], 'five: from five\n | three\n | seven\n', `${name}, unwrapped`);
      assert.equal(outputs[1], outputs[0], name);
    }
  });

  // A terminal's Ctrl-C goes to its whole foreground process group, the program included: sockswrap
  // must not pass it on a second time. The program counts its SIGINTs; a SIGUSR2 sent after the
  // first (to sockswrap, which passes it on behind any SIGINT it would have passed) asks for the count.
  test('Ctrl-C in a terminal reaches the program once, as unwrapped', async () => {
    const counter = 'import signal, os\nn = 0\ndef i(s, f):\n    global n\n    n += 1\n    print("INT", n, flush=True)\n' +
      'def u(s, f):\n    print("count", n, flush=True)\n    os._exit(0)\nsignal.signal(signal.SIGINT, i)\nsignal.signal(signal.SIGUSR2, u)\nprint("ready", flush=True)\nwhile True:\n    signal.pause()\n';
    // The driver: the command in a new pty (its session, its foreground group), Ctrl-C typed, SIGUSR2 to the command's pid.
    const driver = 'import os, pty, re, signal, sys\npid, fd = pty.fork()\nif pid == 0:\n    os.execv(sys.argv[1], sys.argv[1:])\nbuf = b""\n' +
      'def until(pattern):\n    global buf\n    while not re.search(pattern, buf):\n        d = os.read(fd, 1024)\n        if not d: sys.exit("ended: " + repr(buf))\n        buf += d\n' +
      'until(rb"ready")\nos.write(fd, b"\\x03")\nuntil(rb"INT 1")\nos.kill(pid, signal.SIGUSR2)\nuntil(rb"count \\d+\\r?\\n")\nos.waitpid(pid, 0)\nprint(buf.decode().replace("\\r", ""))\n';
    const py = bin('python3');
    const direct = await lab.run(lab.client, [py, '-c', driver, py, '-c', counter], { timeoutMs: 30_000 });
    const wrapped = await lab.run(lab.client, [py, '-c', driver, ...sockswrapArgv([...X, '--', py, '-c', counter])], { timeoutMs: 30_000 });
    const said = (r: { stdout: Buffer }) => r.stdout.toString().match(/INT \d+|count \d+/g);
    assert.deepEqual(said(direct), ['INT 1', 'count 1'], direct.stderr);
    assert.deepEqual(said(wrapped), said(direct), show(wrapped));
  });

  test('127 when the program is not found, 126 when it cannot be executed', async () => {
    const nf = await sockswrap(lab, [...X, '--', 'no-such-program-sockswrap-e2e']);
    assert.equal(nf.status, 127, show(nf));
    assert.equal(nf.stdout.length, 0);
    // A script whose #! interpreter is missing: bash's 127 and its words, not "not found".
    const script = join(lab.dir, 'bad-interpreter.sh');
    writeFileSync(script, '#!/nonexistent/interpreter\necho should not run\n');
    chmodSync(script, 0o755);
    const bad = await sockswrap(lab, [...X, '--', script]);
    assert.equal(bad.status, 127, show(bad));
    assert.match(bad.stderr, /bad-interpreter\.sh: cannot execute: required file not found/, show(bad));
    // An empty name, as bash answers it (Node's spawn threw, with a stack trace).
    const empty = await sockswrap(lab, [...X, '--', '']);
    assert.deepEqual({ status: empty.status, stderr: empty.stderr }, { status: 127, stderr: 'sockswrap: : command not found\n' }, show(empty));
    const file = join(lab.dir, 'not-executable.sh');
    writeFileSync(file, '#!/bin/sh\necho should not run\n');
    chmodSync(file, 0o644);
    const ne = await sockswrap(lab, [...X, '--', file]);
    assert.equal(ne.status, 126, show(ne));
    assert.equal(ne.stdout.length, 0);
  });

  test('a bad proxy URL: exit 2, one stderr line naming the bad part, program not run', async () => {
    for (const [url, part] of [
      [`socks5h://${micro.host}:99999`, /99999|port/i],
      [`gopher://${micro.host}:1080`, /gopher|scheme|protocol/i],
      [`socks5h://${micro.host}:1080x`, /1080x|port/i],
    ] as const) {
      const r = await sockswrap(lab, ['-x', url, '--', 'sh', '-c', 'echo ran']);
      assert.equal(r.status, 2, `${url}: ${show(r)}`);
      assert.equal(r.stdout.length, 0, `${url}: program must not run`);
      assert.equal(lines(r.stderr).length, 1, `${url}: exactly one stderr line: ${show(r)}`);
      assert.match(r.stderr, part, url);
    }
  });

  test('a bad config file: exit 2, one stderr line naming file:line', async () => {
    const bad1 = join(lab.dir, 'bad-directive.conf');
    writeFileSync(bad1, `strict_chain\nproxy_dns\nno_such_directive 1\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
    const r1 = await sockswrap(lab, ['-f', bad1, '--', 'sh', '-c', 'echo ran']);
    assert.equal(r1.status, 2, show(r1));
    assert.equal(r1.stdout.length, 0);
    assert.equal(lines(r1.stderr).length, 1, show(r1));
    assert.match(r1.stderr, /bad-directive\.conf:3\b/);

    const bad2 = join(lab.dir, 'bad-port.conf');
    writeFileSync(bad2, `strict_chain\n[ProxyList]\n# comment\nsocks5 ${micro.host} 70000\n`);
    const r2 = await sockswrap(lab, ['-f', bad2, '--', 'sh', '-c', 'echo ran']);
    assert.equal(r2.status, 2, show(r2));
    assert.equal(lines(r2.stderr).length, 1, show(r2));
    assert.match(r2.stderr, /bad-port\.conf:4\b/);
  });

  // Issue 11 item 9: -f /dev/zero used to grow without bound; a fifo would block forever.
  test('a config that is not a regular file: exit 2, one line, program not run', async () => {
    const sub = join(lab.dir, 'conf-dir');
    mkdirSync(sub, { recursive: true });
    const fifo = join(lab.dir, 'conf-fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    for (const [file, kind] of [['/dev/zero', 'a character device'], [sub, 'a directory'], [fifo, 'a fifo']] as const) {
      const r = await sockswrap(lab, ['-f', file, '--', 'sh', '-c', 'echo ran'], { timeoutMs: 20_000 });
      assert.equal(r.status, 2, `${file}: ${show(r)}`);
      assert.equal(r.stdout.length, 0, `${file}: program must not run`);
      assert.deepEqual(lines(r.stderr), [`sockswrap: cannot read config file ${file}: ${kind}, not a regular file`], show(r));
    }
  });

  // proxychains4 prints "config file found: PATH"; nothing said which file of the search path was read.
  test('-v names the config file read and how it was chosen; without -v nothing', async () => {
    const conf = `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`;
    const given = join(lab.dir, 'given.conf');
    writeFileSync(given, conf);
    const cwd = mkdtempSync(join(lab.dir, 'cwd-'));
    writeFileSync(join(cwd, 'proxychains.conf'), conf);
    const cases: [string[], RunOptions, string][] = [
      [['-f', given], {}, `[sockswrap] config file: ${given} (given with -f)`],
      [[], { env: cleanEnv({ PROXYCHAINS_CONF_FILE: given }) }, `[sockswrap] config file: ${given} (from $PROXYCHAINS_CONF_FILE)`],
      [[], { cwd }, `[sockswrap] config file: ${join(cwd, 'proxychains.conf')} (found on the search path)`],
    ];
    for (const [args, opts, line] of cases) {
      const r = await sockswrap(lab, ['-v', ...args, '--', 'true'], opts);
      assert.equal(r.status, 0, show(r));
      assert.ok(lines(r.stderr).includes(line), `${line}\n${show(r)}`);
      const plain = await sockswrap(lab, [...args, '--', 'true'], opts);
      assert.equal(plain.stderr, '', show(plain));
    }
  });

  // Was "cannot read config file FILE: EACCES". Root reads anything, so sockswrap runs as nobody.
  test('-f on a file this user may not read: exit 2, "permission denied" and the path', { skip: skipUnless(['setpriv']) }, async () => {
    // In a directory nobody may enter (lab.dir is 0700), so that the file itself is what it may not read.
    const dir = mkdtempSync(join(tmpdir(), 'sockswrap-e2e-eacces-'));
    try {
      chmodSync(dir, 0o755);
      const file = join(dir, 'private.conf');
      writeFileSync(file, `[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`, { mode: 0o600 });
      const r = await lab.run(lab.client, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...sockswrapArgv(['-f', file, '--', 'sh', '-c', 'echo ran'])], { cwd: '/' });
      assert.equal(r.status, 2, show(r));
      assert.equal(r.stdout.length, 0, 'program must not run');
      assert.deepEqual(lines(r.stderr), [`sockswrap: cannot read config file ${file}: permission denied (check the permissions of the file and of the directories on its path)`], show(r));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Issue 11 item 9: both were accepted, then failed at every connection.
  test('socks5://user@host and a@b@host: exit 2 at parse time, naming the part', async () => {
    for (const [url, part] of [
      [`socks5h://alice@${micro.host}:${micro.port}`, /user name without a password/],
      [`socks5h://a@b@${micro.host}:${micro.port}`, /more than one "@"/],
      // RFC 1929 allows no empty password: "SOCKS5 password must be 1..255 bytes" at every connect before.
      [`socks5h://alice:@${micro.host}:${micro.port}`, /empty password after "USER:" \(SOCKS5 login \(RFC 1929\) needs a user name and a password of 1-255 bytes each\)/],
    ] as const) {
      const r = await sockswrap(lab, ['-x', url, '--', 'sh', '-c', 'echo ran']);
      assert.equal(r.status, 2, `${url}: ${show(r)}`);
      assert.equal(r.stdout.length, 0, `${url}: program must not run`);
      assert.equal(lines(r.stderr).length, 1, show(r));
      assert.match(r.stderr, part, url);
    }
    // `check` said the working proxy was "dead (auth rejected ...)" although it never saw a login.
    const check = await sockswrap(lab, ['check', '-x', `socks5h://alice:@${micro.host}:${micro.port}`]);
    assert.equal(check.status, 2, show(check));
    assert.equal(check.stdout.length, 0, show(check));
    assert.match(check.stderr, /^sockswrap: bad proxy URL "socks5h:\/\/alice:\*\*\*@[^"]+": empty password after "USER:"/, show(check));
  });

  // proxychains-ng reads a [ProxyList] line as words, with no comments after the port: "#bob" was
  // dropped as a comment (the run went unauthenticated), "#hash" after a user made it "missing password".
  test('[ProxyList] words starting with "#" are the user name and password, as proxychains4 reads them', async () => {
    const authed = await startMicrosocks(lab, { port: 1086, user: '#bob', pass: '#hash' });
    try {
      const url = `http://target.test:${HTTP_PORT}/hello`;
      const file = join(lab.dir, 'hash-creds.conf');
      writeFileSync(file, `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${authed.host} ${authed.port} #bob #hash # the office proxy\n`);
      const r = await sockswrap(lab, ['-f', file, '--', 'curl', '-sS', '--max-time', '20', url]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), 'hello from target\n');
      assert.deepEqual(lines(r.stderr), [`[sockswrap] ${file}:4: user name "#bob" starts with "#": it is sent to the proxy as the user name (a "#" after the port is not a comment: proxychains-ng reads it as the user name too; put comments on a line of their own)`], show(r));
      // A comment after the port is user "#" and a password, which a proxy without login ignores, as with proxychains4.
      writeFileSync(file, `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${micro.host} ${micro.port} # no login\n`);
      const open = await sockswrap(lab, ['-q', '-f', file, '--', 'curl', '-sS', '--max-time', '20', url]);
      assert.equal(open.status, 0, show(open));
      assert.equal(open.stdout.toString(), 'hello from target\n');
      assertNoLeaks(lab);
    } finally {
      await authed.stop();
    }
  });

  // Issue 11 item 5: 127 put fake addresses on loopback, where a local server answered for "proxied" names.
  test('remote_dns_subnet 127, 0 or 198: exit 2 with file:line; the default 240 runs', async () => {
    for (const n of [127, 0, 198, 10, 192]) {
      const file = join(lab.dir, `subnet-${n}.conf`);
      writeFileSync(file, `strict_chain\nproxy_dns\nremote_dns_subnet ${n}\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
      const r = await sockswrap(lab, ['-f', file, '--', 'sh', '-c', 'echo ran']);
      assert.equal(r.status, 2, show(r));
      assert.equal(r.stdout.length, 0);
      assert.equal(lines(r.stderr).length, 1, show(r));
      assert.match(r.stderr, new RegExp(`subnet-${n}\\.conf:3: bad value "${n}" for remote_dns_subnet`), show(r));
    }
    const good = join(lab.dir, 'subnet-240.conf');
    writeFileSync(good, `strict_chain\nproxy_dns\nremote_dns_subnet 240\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
    const r = await sockswrap(lab, ['-f', good, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });

  // Issue 11 item 9: chain_len problems named only the file.
  test('chain_len longer than the list: exit 2 naming file:line', async () => {
    const file = join(lab.dir, 'chain-len.conf');
    writeFileSync(file, `random_chain\nproxy_dns\nchain_len = 2\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
    const r = await sockswrap(lab, ['-f', file, '--', 'sh', '-c', 'echo ran']);
    assert.equal(r.status, 2, show(r));
    assert.deepEqual(lines(r.stderr), [`sockswrap: ${file}:3: chain_len 2 is more than the 1 proxy in the list`], show(r));
  });

  // Issue 11 item 9: control characters reached the terminal raw.
  test('control characters from a config file and from a program-supplied name are escaped on stderr', async () => {
    const file = join(lab.dir, 'ctl.conf');
    writeFileSync(file, `proxy_dns\n\x1b]0;pwned\x07 1\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
    const r = await sockswrap(lab, ['-f', file, '--', 'sh', '-c', 'echo ran']);
    assert.equal(r.status, 2, show(r));
    assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f]/, show(r));
    assert.deepEqual(lines(r.stderr), [`sockswrap: ${file}:2: unknown directive "\\x1b]0;pwned\\x07"`]);

    // The proxy cannot resolve the name: its failure is logged with the name the program gave.
    const py = 'import socket\ntry:\n    socket.create_connection(("x\\x1b[2Jy.test", 80))\nexcept OSError as e:\n    print("failed", e.errno)\n';
    const named = await sockswrap(lab, [...X, '--', bin('python3'), '-c', py]);
    assert.match(named.stdout.toString(), /^failed/, show(named));
    assert.match(named.stderr, /x\\x1b\[2jy\.test/i, show(named));
    assert.doesNotMatch(named.stderr, /[\x00-\x09\x0b-\x1f\x7f]/, show(named));
    assertNoLeaks(lab);
  });

  // Issue 11 item 6: with socks5:// names are resolved here, as curl does; say so once.
  test('remote DNS off: one line says names are resolved locally; -q and socks5h:// say nothing', async () => {
    const local = ['-x', `socks5://${micro.host}:${micro.port}`];
    const r = await sockswrap(lab, [...local, '--', 'sh', '-c', 'sh -c "echo child"; echo ran']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'child\nran\n');
    assert.deepEqual(lines(r.stderr), ['[sockswrap] names are resolved locally; use socks5h:// to resolve them through the proxy'], show(r));
    const socks4 = await sockswrap(lab, ['-x', `socks4://${micro.host}:${micro.port}`, '--', 'true']);
    assert.deepEqual(lines(socks4.stderr), ['[sockswrap] names are resolved locally; use socks4a:// to resolve them through the proxy'], show(socks4));
    const quiet = await sockswrap(lab, ['-q', ...local, '--', 'true']);
    assert.equal(quiet.stderr, '', show(quiet));
    // What proxychains4 -q sets for its library; quiet when it starts with "1", as there.
    const quietEnv = await sockswrap(lab, [...local, '--', 'true'], { env: cleanEnv({ PROXYCHAINS_QUIET_MODE: '1' }) });
    assert.equal(quietEnv.stderr, '', show(quietEnv));
    const notQuiet = await sockswrap(lab, [...local, '--', 'true'], { env: cleanEnv({ PROXYCHAINS_QUIET_MODE: '0' }) });
    assert.deepEqual(lines(notQuiet.stderr), ['[sockswrap] names are resolved locally; use socks5h:// to resolve them through the proxy'], show(notQuiet));
    const remote = await sockswrap(lab, [...X, '--', 'true']);
    assert.equal(remote.stderr, '', show(remote));
    const file = join(lab.dir, 'no-proxy-dns.conf');
    writeFileSync(file, `strict_chain\n[ProxyList]\nsocks5 ${micro.host} ${micro.port}\n`);
    const conf = await sockswrap(lab, ['-f', file, '--', 'true']);
    assert.deepEqual(lines(conf.stderr), [`[sockswrap] names are resolved locally; add proxy_dns to ${file} to resolve them through the proxy`], show(conf));
  });

  // Issue 11 item 6: "socks5h://1.2.3.4:1080@evil" sends the chain (and the "password") to evil.
  test('a URL whose password looks like a port: a warning naming the host actually used', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${micro.host}:${micro.port}@localhost:1`, '--', 'true']);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stderr, new RegExp(`^\\[sockswrap\\] proxy URL "socks5h://${micro.host.replace(/\./g, '\\.')}:\\*\\*\\*@localhost:1": .* so the proxy is the host after "@", not ${micro.host.replace(/\./g, '\\.')}$`, 'm'), show(r));
    assert.doesNotMatch(r.stderr, new RegExp(`:${micro.port}@`), 'the "password" is not printed');
  });

  // Issue 11 item 9: -x user:pass@ is readable by every user in /proc/PID/cmdline.
  test('--proxy-file and $SOCKSWRAP_PROXY: credentials work and are not in the launcher\'s argv', async () => {
    const pass = 's3cret-not-in-argv';
    const authed = await startMicrosocks(lab, { port: 1085, user: 'alice', pass });
    try {
      const file = join(lab.dir, 'proxies.txt');
      writeFileSync(file, `# the chain\nsocks5h://alice:${pass}@${authed.host}:${authed.port}\n`, { mode: 0o600 });
      // The program's parent is the launcher: its argv is what every local user can read.
      const script = `tr '\\0' ' ' < /proc/$PPID/cmdline; echo; curl -sS --max-time 20 http://target.test:${HTTP_PORT}/hello`;
      const r = await sockswrap(lab, ['--proxy-file', file, '--', 'sh', '-c', script]);
      assert.equal(r.status, 0, show(r));
      const [argv, body] = r.stdout.toString().split('\n');
      assert.match(argv!, /--proxy-file/, 'the first line is the launcher\'s command line');
      assert.doesNotMatch(argv!, new RegExp(pass));
      assert.equal(body, 'hello from target');

      const env = await sockswrap(lab, ['--', 'sh', '-c', `${script}; env | grep -c SOCKSWRAP_PROXY`], {
        env: cleanEnv({ SOCKSWRAP_PROXY: `socks5h://alice:${pass}@${authed.host}:${authed.port}` }),
      });
      assert.equal(env.status, 1, show(env)); // grep -c found none: the program does not inherit it
      const out = env.stdout.toString().split('\n');
      assert.doesNotMatch(out[0]!, new RegExp(pass));
      assert.equal(out[1], 'hello from target', show(env));
      assert.equal(out[2], '0', 'SOCKSWRAP_PROXY is not passed on to the program');
      assertNoLeaks(lab);
    } finally {
      await authed.stop();
    }
  });

  // Issue 11 item 9: kill -9 of the launcher left its private directory behind for good.
  test('kill -9 of the launcher: its private directory is removed at the next start, a live run\'s is kept', async () => {
    const tmp = mkdtempSync(join(lab.dir, 'tmp-'));
    const runDirs = () => readdirSync(tmp).filter((n) => n.startsWith('sockswrap-')).sort();
    const startWaiting = (flags: string[] = []) => {
      const child = lab.spawn(lab.client, sockswrapArgv([...flags, ...X, '--', 'sh', '-c', 'echo $$; exec sleep 60']), {
        stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ TMPDIR: tmp }),
      });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      const program = new Promise<number>((res, rej) => {
        let out = '';
        child.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('\n')) res(Number(out.trim())); });
        child.once('exit', () => rej(new Error(`exited before the program ran: ${out}`)));
      });
      return { child, exited, program, stderr: () => stderr };
    };
    const first = startWaiting();
    const firstProgram = await first.program;
    const [killedDir] = runDirs();
    assert.ok(killedDir, 'the run has a private directory');
    first.child.kill('SIGKILL'); // the launcher (ip netns exec execs it)
    await first.exited;
    process.kill(firstProgram, 'SIGKILL');
    assert.deepEqual(runDirs(), [killedDir], 'kill -9 leaves the directory behind');

    // -v: the launcher says what it removed, once its program is started (the tidy comes after).
    const live = startWaiting(['-v']);
    const liveProgram = await live.program;
    await untilLog(live.stderr, new RegExp(`removed ${reEscape(join(tmp, killedDir))}, left behind by a run that was killed`));
    const liveDirs = runDirs();
    assert.equal(liveDirs.length, 1, `only the live run's directory is left: ${liveDirs.join(' ')}`);
    assert.notEqual(liveDirs[0], killedDir);
    const r = await sockswrap(lab, [...X, '--', 'true'], { env: cleanEnv({ TMPDIR: tmp }) });
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(runDirs(), liveDirs, "a live run's directory is never removed");
    // The program first: the launcher, waiting for it, then ends as it did. (Signalling the
    // launcher first raced it: the SIGTERM it forwards could end and reap the program before
    // this kill, which then failed with ESRCH.)
    process.kill(liveProgram, 'SIGKILL');
    await live.exited;
    assert.equal(live.child.signalCode, 'SIGKILL', 'the launcher dies of its program\'s signal');
  });

  test('everything after the program name belongs to the program', async () => {
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', 'printf "[%s]" "$@"', 'sh', '-v', '-x', '--help', '-q', '-f', 'x']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), '[-v][-x][--help][-q][-f][x]');
  });

  test("stdout carries only the program's output, even with -v (log lines go to stderr)", async () => {
    const r = await sockswrap(lab, ['-v', ...X, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assert.match(r.stderr, /^\[sockswrap\] .*target\.test/m, '-v logs the connection on stderr');
    assertNoLeaks(lab);
  });

  // A job the program leaves running outlives the launcher, and so its agent (docs/shell-mode.md,
  // "Programs that outlive sockswrap --"): it fails closed, and is told why and what to use.
  test('a background job that outlives the run: its lookup and its connect are refused, each process says why once, nothing goes direct', async () => {
    const d = mkdtempSync(join(lab.dir, 'outlives-'));
    const [go, done, out] = [join(d, 'go'), join(d, 'done'), join(d, 'out')];
    execFileSync('mkfifo', [go, done]);
    // The job waits for `go`, written once the launcher has exited; `done` opens when both curls have run.
    const curl = `curl -sS --max-time 10 http://target.test:${HTTP_PORT}/hello; echo "exit $?"; curl -sS --max-time 10 http://${lab.targetIp4}:${HTTP_PORT}/hello; echo "exit $?"`;
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', `{ read x < ${go}; ${curl}; echo > ${done}; } > ${out} 2>&1 &`]);
    assert.equal(r.status, 0, show(r));
    assert.equal((await run(['sh', '-c', 'echo go > "$0"', go], { timeoutMs: 20_000 })).status, 0, 'the job is waiting');
    assert.equal((await run(['cat', done], { timeoutMs: 30_000 })).status, 0, 'the job ran to its end');
    assertNoLeaks(lab);
    const lines = readFileSync(out, 'utf8').split('\n');
    const said = lines.filter((l) => l.startsWith('[sockswrap] '));
    assert.equal(said.length, 2, `one line from each curl: ${lines.join('|')}`);
    for (const l of said) assert.match(l, /this run's agent has ended .*refused; for programs that outlive it, use shell mode: eval "\$\(sockswrap on \.\.\.\)"$/);
    // Unwrapped, here in the client ns (its lookup is the only packet out, to the ns's resolver,
    // after the wrapped run's count was read): the name does not resolve (6), the address is not reached (7).
    const exits = (text: string) => text.split('\n').filter((l) => /^exit /.test(l));
    const direct = await lab.run(lab.client, ['sh', '-c', `${curl} 2>/dev/null`], { timeoutMs: 30_000 });
    assert.deepEqual(exits(direct.stdout.toString()), ['exit 6', 'exit 7'], show(direct));
    assert.deepEqual(exits(lines.join('\n')), exits(direct.stdout.toString()), 'the job fails as it would unwrapped');
    takeLeaks(lab);
  });

  // The agent is alive but out of reach: the program dropped to another user, and the run's
  // directory is 0700. Refused, with a line that does not claim the agent has ended.
  test('a program that changes its user cannot reach the agent: refused, and told so, not that the agent ended; nothing goes direct', async () => {
    const curl = ['curl', '-sS', '--max-time', '10', `http://${lab.targetIp4}:${HTTP_PORT}/hello`];
    const r = await sockswrap(lab, [...X, '--', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...curl]);
    assertNoLeaks(lab);
    const said = r.stderr.split('\n').filter((l) => l.startsWith('[sockswrap] '));
    assert.deepEqual(said, ['[sockswrap] cannot reach sockswrap\'s agent (permission denied on its socket: did the program change its user?): connections and lookups that would be proxied are refused'], show(r));
    // Unwrapped, in the client ns, the address is not reached either: the same exit status.
    const direct = await lab.run(lab.client, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...curl], { timeoutMs: 30_000 });
    assert.equal(r.status, direct.status, `${show(r)} / unwrapped: ${show(direct)}`);
    assert.equal(r.status, 7);
    takeLeaks(lab);
  });

  test('fail closed: with the proxy down, curl fails with a sockswrap error and nothing goes direct', async () => {
    const down = ['-x', `socks5h://${lab.proxyIp4}:1099`];
    const r = await sockswrap(lab, [...down, '--', 'curl', '-sS', '--max-time', '20', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^\[sockswrap\] curl\[\d+\] .*1099/m, show(r));
    const named = await sockswrap(lab, [...down, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.notEqual(named.status, 0, show(named));
    assertNoLeaks(lab);
  });

  test('loopback goes direct (works even with the proxy down)', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${lab.proxyIp4}:1099`, '--', bin('python3'), '-c', PY_LOOPBACK]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'loopback ok\n');
    assertNoLeaks(lab);
  });
});
