// Shell mode (issue 15, docs/shell-mode.md): `eval "$(sockswrap on …)"` in bash, dash, zsh,
// `sockswrap on … | source` in fish, an interactive bash in tmux; `off` undoes it exactly; a killed
// or stopped agent fails closed with one line saying how to repair it; two configurations at
// once and a third shell reusing an agent; `status --json`. The shells run in the lab's client
// namespace, which reaches nothing but the proxies: a target reached is the proxy's doing, and
// the leak counter must read 0 after each test.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, type Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, type Danted, type Peer } from '../helpers/peers';
import { bin, skipUnless } from '../helpers/peer-gate';
import { SOCKSWRAP } from '../helpers/sockswrap';
import { goProgram } from '../helpers/fixture-builds';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'curl', 'bash', 'sh', 'zsh', 'fish', 'tmux', 'busybox', 'go'], { root: true });

describe('e2e shell mode: sockswrap on / off / status / agent', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  let env: NodeJS.ProcessEnv;
  let runtime: string;
  let n = 0;

  /** A fresh scratch directory for one test's files. */
  const scratch = (): string => {
    const d = join(lab.dir, `t${++n}`);
    mkdirSync(d);
    return d;
  };
  const X = () => `socks5h://${danted.host}:${danted.port}`;
  const whoami = () => `http://${lab.targetIp4}:${HTTP_PORT}/whoami`;
  const hello = `http://target.test:${HTTP_PORT}/hello`;
  const shell = (argv: string[], timeoutMs = 60_000) => lab.run(lab.client, argv, { env, timeoutMs });

  // Registered before standardLab's, so it runs first: the agents go before the namespaces do.
  after(async () => {
    if (!lab) return;
    await shell([process.execPath, SOCKSWRAP, 'agent', 'stop', '--all', '-q']);
    // Whatever did not stop (it would outlive the lab in a deleted namespace).
    for (const name of existsSync(join(runtime, 'sockswrap')) ? readdirSync(join(runtime, 'sockswrap')) : []) {
      try {
        process.kill(JSON.parse(readFileSync(join(runtime, 'sockswrap', name, 'agent.json'), 'utf8')).pid, 'SIGKILL');
      } catch { /* not an agent dir, or gone */ }
    }
  });
  standardLab({ danted: 1080, microsocks: 1081 }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(() => {
    // `sockswrap` on PATH as an installed one is: a link to bin/sockswrap.js (its #! runs node,
    // so `on` sees the calling shell as its parent).
    const binDir = join(lab.dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(SOCKSWRAP, join(binDir, 'sockswrap'));
    runtime = join(lab.dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    env = cleanEnv({ PATH: `${binDir}:${process.env.PATH}`, XDG_RUNTIME_DIR: runtime, SHELL: '/bin/sh', HOME: lab.dir });
  });

  /** The line after `label ` in out. */
  const field = (out: string, label: string): string => {
    const line = out.split('\n').find((l) => l.startsWith(`${label} `));
    assert.ok(line !== undefined, `no "${label}" line in ${JSON.stringify(out)}`);
    return line.slice(label.length + 1);
  };
  const proxied = (body: string) => {
    assert.notEqual(body, lab.clientIp4, 'the target saw the client: not proxied');
    assert.ok([lab.proxyIp4, lab.targetIp4].includes(body.replace(/^::ffff:/, '')), `peer ${body}`);
  };
  /** curl's message without the time it took. */
  const untimed = (s: string) => s.replace(/after [0-9]+ ms/g, 'after N ms');

  for (const sh of ['bash', 'dash', 'zsh'] as const) {
    test(`${sh}: on proxies curl (by address and by name), off restores LD_PRELOAD and goes direct exactly as without sockswrap`, async () => {
      const d = scratch();
      const script = [
        'LD_PRELOAD=; export LD_PRELOAD',
        `eval "$(sockswrap on -q -x ${X()})" || exit 90`,
        `echo "peer $(curl -sS -m 20 ${whoami()})"`,
        `echo "hello $(curl -sS -m 20 ${hello})"`,
        'echo "preload $LD_PRELOAD"',
        'eval "$(sockswrap off)"',
        `curl -sS -m 5 ${whoami()} 2>"${d}/off.err"; echo "offrc $?"`,
        'echo "after [${LD_PRELOAD-unset}] [${SOCKSWRAP_SOCK-unset}] [${SOCKSWRAP_SHELL_SAVED-unset}]"',
      ].join('\n');
      const r = await shell([bin(sh), '-c', script]);
      const out = r.stdout.toString();
      assert.equal(r.status, 0, `${out}\n${r.stderr}`);
      proxied(field(out, 'peer'));
      assert.equal(field(out, 'hello'), 'hello from target');
      assert.match(field(out, 'preload'), /libsockswrap[^:]*\.so$/, 'the shim first, then the empty LD_PRELOAD it had: nothing');
      assert.equal(field(out, 'after'), '[] [unset] [unset]', 'off puts back the empty LD_PRELOAD and unsets the rest');
      // The differential: the same curl in the same shell without sockswrap at all.
      const bare = await shell([bin(sh), '-c', `curl -sS -m 5 ${whoami()} 2>"${d}/bare.err"; echo "offrc $?"`]);
      assert.equal(field(out, 'offrc'), field(bare.stdout.toString(), 'offrc'));
      assert.notEqual(field(out, 'offrc'), '0', 'the client has no route to the target');
      assert.equal(untimed(readFileSync(join(d, 'off.err'), 'utf8')), untimed(readFileSync(join(d, 'bare.err'), 'utf8')));
    });
  }

  /**
   * A directory of static programs for PATH: busybox's wget applet by a link of that name, and the
   * static Go fixture. The shell execs them itself (it is not hooked): `on`'s trampolines carry them.
   */
  let staticBin: string | undefined;
  const statics = (): string => {
    if (staticBin) return staticBin;
    staticBin = join(lab.dir, 'static-bin');
    mkdirSync(staticBin);
    symlinkSync(bin('busybox'), join(staticBin, 'wget'));
    symlinkSync(goProgram('static'), join(staticBin, 'go-net'));
    return staticBin;
  };
  const staticScripts = {
    posix: (d: string) => [
      `PATH=${statics()}:"$PATH"; before=$PATH`,
      `eval "$(sockswrap on -q -x ${X()})" || exit 90`,
      `echo "wget $(wget -q -O - ${whoami()})"`,
      `echo "gonet $(go-net http-get ${hello})"`,
      `wget -q -O /dev/null ${hello} & wait $!; echo "bg $?"`,
      `wget -q -O /dev/null http://${lab.targetIp4}:1/ 2>/dev/null; echo "refused $?"`,
      'echo "path $PATH"',
      'eval "$(sockswrap off)"',
      '[ "$PATH" = "$before" ] && echo "restored yes"',
      `wget -q -T 5 -O - ${whoami()} 2>"${d}/off.err"; echo "offrc $?"`,
    ].join('\n'),
    fish: (d: string) => [
      `set -gx PATH ${statics()} $PATH; set before "$PATH"`,
      `sockswrap on -q -x ${X()} | source; test "$pipestatus" = '0 0'; or exit 90`,
      `echo "wget "(wget -q -O - ${whoami()})`,
      `echo "gonet "(go-net http-get ${hello})`,
      `wget -q -O /dev/null http://${lab.targetIp4}:1/ 2>/dev/null; echo "refused $status"`,
      'echo "path $PATH[1]"',
      'sockswrap off | source; echo "offstatus $pipestatus"',
      'test "$PATH" = "$before"; and echo "restored yes"',
      `wget -q -T 5 -O - ${whoami()} 2>"${d}/off.err"; echo "offrc $status"`,
    ].join('\n'),
  };
  for (const sh of ['bash', 'dash', 'zsh', 'fish'] as const) {
    test(`${sh}: static and Go programs the shell runs from PATH are carried by the supervisor (on's trampolines); off restores PATH and they go direct exactly as without sockswrap`, async () => {
      const d = scratch();
      const argv = sh === 'fish' ? [bin('fish'), '--no-config', '-c', staticScripts.fish(d)] : [bin(sh), '-c', staticScripts.posix(d)];
      const r = await shell(argv, 120_000);
      const out = r.stdout.toString();
      assert.equal(r.status, 0, `${out}\n${r.stderr}`);
      proxied(field(out, 'wget'));
      const go = JSON.parse(field(out, 'gonet'));
      assert.equal(go.status, 200, field(out, 'gonet'));
      // (fish's wait does not report a job's status)
      if (sh !== 'fish') assert.equal(field(out, 'bg'), '0', 'a background job through a trampoline: its status through $! and wait');
      assert.equal(field(out, 'refused'), '1', 'busybox wget exits 1 on a refused port (the exit status passes through)');
      assert.match(field(out, 'path'), new RegExp(`^${join(runtime, 'sockswrap', 'path-').replace(/[.]/g, '\\.')}[0-9a-f]{16}`), 'the trampolines first on PATH');
      assert.equal(field(out, 'restored'), 'yes', 'off puts PATH back exactly');
      if (sh === 'fish') assert.equal(field(out, 'offstatus'), '0 0', 'sockswrap off | source succeeds');
      // The differential: the same wget in the same shell without sockswrap at all.
      const bare = await shell(sh === 'fish'
        ? [bin('fish'), '--no-config', '-c', `set -gx PATH ${statics()} $PATH; wget -q -T 5 -O - ${whoami()} 2>"${d}/bare.err"; echo "offrc $status"`]
        : [bin(sh), '-c', `PATH=${statics()}:"$PATH"; wget -q -T 5 -O - ${whoami()} 2>"${d}/bare.err"; echo "offrc $?"`], 60_000);
      assert.equal(field(out, 'offrc'), field(bare.stdout.toString(), 'offrc'));
      assert.notEqual(field(out, 'offrc'), '0', 'the client has no route to the target');
      assert.equal(readFileSync(join(d, 'off.err'), 'utf8'), readFileSync(join(d, 'bare.err'), 'utf8'));
    });
  }

  test('fish: sockswrap on … | source, then off | source restores an LD_PRELOAD it had', async () => {
    const d = scratch();
    const script = [
      'set -gx LD_PRELOAD /nonexistent/keep.so',
      `sockswrap on -q -x ${X()} | source`,
      `echo "peer "(curl -sS -m 20 ${whoami()})`,
      `echo "hello "(curl -sS -m 20 ${hello})`,
      'echo "preload $LD_PRELOAD"',
      'sockswrap off | source',
      `curl -sS -m 5 ${whoami()} 2>"${d}/off.err"; echo "offrc $status"`,
      'echo "after [$LD_PRELOAD]"; set -q SOCKSWRAP_SOCK; or echo "sock unset"',
    ].join('\n');
    const r = await shell([bin('fish'), '--no-config', '-c', script]);
    const out = r.stdout.toString();
    proxied(field(out, 'peer'));
    assert.equal(field(out, 'hello'), 'hello from target');
    assert.match(field(out, 'preload'), /libsockswrap[^:]*\.so:\/nonexistent\/keep\.so$/);
    assert.equal(field(out, 'after'), '[/nonexistent/keep.so]');
    assert.equal(field(out, 'sock'), 'unset');
    assert.notEqual(field(out, 'offrc'), '0');
  });

  test('an interactive bash in tmux: on, curl through the proxy, off, curl fails as without sockswrap', async () => {
    const d = scratch();
    const sock = join(d, 'tmux.sock');
    const tmux = (...args: string[]) => shell([bin('tmux'), '-S', sock, ...args]);
    const typed = (line: string) => tmux('send-keys', '-t', 'sw', '-l', line).then(() => tmux('send-keys', '-t', 'sw', 'Enter'));
    const fileAppears = async (path: string) => {
      for (let i = 0; i < 600 && !existsSync(path); i++) await new Promise((res) => setTimeout(res, 50));
      assert.ok(existsSync(path), `${path} never written; screen:\n${(await tmux('capture-pane', '-p', '-t', 'sw')).stdout}`);
    };
    const started = await tmux('new-session', '-d', '-s', 'sw', '-x', '200', '-y', '50', `env -i PATH='${env.PATH}' XDG_RUNTIME_DIR='${runtime}' HOME='${lab.dir}' TERM=xterm ${bin('bash')} --norc --noprofile -i`);
    assert.equal(started.status, 0, started.stderr);
    try {
      await typed(`eval "$(sockswrap on -x ${X()})"`);
      await typed(`curl -sS -m 20 ${whoami()} > ${d}/on.out 2>&1; echo $? > ${d}/on.rc`);
      await fileAppears(join(d, 'on.rc'));
      await typed('eval "$(sockswrap off)"');
      await typed(`curl -sS -m 5 ${whoami()} > ${d}/off.out 2>&1; echo "$? [\${LD_PRELOAD-unset}]" > ${d}/off.rc`);
      await fileAppears(join(d, 'off.rc'));
    } finally {
      await tmux('kill-server');
    }
    assert.equal(readFileSync(join(d, 'on.rc'), 'utf8').trim(), '0', readFileSync(join(d, 'on.out'), 'utf8'));
    proxied(readFileSync(join(d, 'on.out'), 'utf8').trim());
    assert.match(readFileSync(join(d, 'off.rc'), 'utf8').trim(), /^[1-9][0-9]* \[unset\]$/);
  });

  test('the agent killed, then stopped: the next connect fails at once with the message, nothing leaks; on again repairs the shell', async () => {
    const d = scratch();
    const script = [
      `eval "$(sockswrap on -q -x ${X()})" || exit 90`,
      `echo "before $(curl -sS -m 20 ${whoami()})"`,
      `pid=$(sed -n 's/^ *"pid": \\([0-9]*\\),$/\\1/p' "$XDG_RUNTIME_DIR"/sockswrap/agent-*/agent.json)`,
      'echo "agent $pid"',
      'kill -9 "$pid" || exit 93',
      // Until its death is visible (the kill is asynchronous); bounded, so a bug fails the test.
      `i=0; until sockswrap status --json 2>"${d}/status.err" | grep -q '"running": false'; do i=$((i+1)); [ $i -lt 200 ] || exit 94; sleep 0.05; done`,
      `curl -sS -m 20 ${whoami()} 2>"${d}/addr.err"; echo "addr $?"`,
      `curl -sS -m 20 ${hello} 2>"${d}/name.err"; echo "name $?"`,
      `eval "$(sockswrap on -q -x ${X()})" || exit 91`,
      `echo "repaired $(curl -sS -m 20 ${whoami()})"`,
      // The new agent was started from a hooked CLI (the shell's agent was dead): it must run unhooked.
      `pid=$(sed -n 's/^ *"pid": \\([0-9]*\\),$/\\1/p' "$XDG_RUNTIME_DIR"/sockswrap/agent-*/agent.json)`,
      'echo "agentmaps $(grep -c libsockswrap /proc/$pid/maps)"',
      'sockswrap agent stop -q || exit 92',
      `curl -sS -m 20 ${whoami()} 2>"${d}/stopped.err"; echo "stopped $?"`,
    ].join('\n');
    const r = await shell([bin('bash'), '-c', script]);
    const out = r.stdout.toString();
    assert.equal(r.status, 0, `${out}\n${r.stderr}`);
    proxied(field(out, 'before'));
    assert.equal(field(out, 'addr'), '7', 'curl: could not connect (ECONNREFUSED)');
    assert.equal(field(out, 'name'), '6', 'curl: could not resolve: no lookup without the agent');
    proxied(field(out, 'repaired'));
    assert.equal(field(out, 'agentmaps'), '0', 'the repaired agent has the shim mapped');
    assert.equal(field(out, 'stopped'), '7');
    for (const f of ['addr.err', 'name.err', 'stopped.err']) {
      const err = readFileSync(join(d, f), 'utf8');
      const lines = err.split('\n').filter((l) => l.startsWith('[sockswrap]'));
      assert.equal(lines.length, 1, `${f}: one line from the shim: ${err}`);
      assert.match(lines[0]!, /agent is gone.*sockswrap on/);
    }
    assert.match(readFileSync(join(d, 'addr.err'), 'utf8'), /Couldn't connect|Connection refused/);
  });

  test('an environment scrubbed or rewritten (env -i SOCKSWRAP_SOCK=, a wrong SOCKSWRAP_LEAVE) stays in the session; sockswrap -- inside shell mode leaves it for its own agent', async () => {
    const d = scratch();
    const script = [
      `eval "$(sockswrap on -q -x ${X()})" || exit 90`,
      `echo "scrubbed $(env -i SOCKSWRAP_SOCK= PATH="$PATH" curl -sS -m 20 ${whoami()})"`,
      `echo "rewritten $(env -i SOCKSWRAP_SOCK=/nonexistent/agent.sock SOCKSWRAP_TOKEN=00000000000000000000000000000000 SOCKSWRAP_LEAVE=0123456789abcdef LD_PRELOAD= PATH="$PATH" curl -sS -m 20 ${whoami()})"`,
      // The inner run's program uses the inner agent: through microsocks (after the shell's chain,
      // since the inner launcher itself is hooked), and a chain whose proxy refuses fails.
      `echo "inner $(sockswrap -q -x socks5h://${micro.host}:${micro.port} -- curl -sS -m 20 ${hello})"`,
      `sockswrap -q -x socks5h://${danted.host}:1 -- curl -sS -m 20 ${whoami()} 2>"${d}/inner.err"; echo "innerdead $?"`,
    ].join('\n');
    const r = await shell([bin('bash'), '-c', script]);
    const out = r.stdout.toString();
    assert.equal(r.status, 0, `${out}\n${r.stderr}`);
    proxied(field(out, 'scrubbed'));
    proxied(field(out, 'rewritten'));
    assert.equal(field(out, 'inner'), 'hello from target');
    assert.notEqual(field(out, 'innerdead'), '0', `the inner chain's proxy refuses: carried by the shell's agent instead? ${readFileSync(join(d, 'inner.err'), 'utf8')}`);
  });

  test('two shells with two configurations at once; a third shell (same chain, from a file) reuses the first agent', async () => {
    const d = scratch();
    const conf = join(d, 'proxychains.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${danted.host} ${danted.port}\n`);
    const through = (args: string) => [bin('bash'), '-c', `eval "$(sockswrap on ${args})" || exit 90\necho "sock $SOCKSWRAP_SOCK"\necho "peer $(curl -sS -m 20 ${whoami()})"\nsleep 0.2; echo "peer2 $(curl -sS -m 20 ${hello})"`];
    const [a, b] = await Promise.all([shell(through(`-x ${X()}`)), shell(through(`-x socks5h://${micro.host}:${micro.port}`))]);
    const c = await shell(through(`-f ${conf}`));
    for (const r of [a, b, c]) {
      assert.equal(r.status, 0, r.stderr);
      proxied(field(r.stdout.toString(), 'peer'));
      assert.equal(field(r.stdout.toString(), 'peer2'), 'hello from target');
    }
    const sockA = field(a.stdout.toString(), 'sock');
    assert.notEqual(sockA, field(b.stdout.toString(), 'sock'), 'two configurations, two agents');
    assert.equal(field(c.stdout.toString(), 'sock'), sockA, 'the same chain from a file: the same agent');
    assert.match(c.stderr, /reusing agent pid/);
    const status = JSON.parse((await shell([process.execPath, SOCKSWRAP, 'status', '--json'])).stdout.toString());
    const agents = status.agents.filter((x: { running: boolean }) => x.running);
    assert.equal(agents.length, 2, JSON.stringify(status));
    const first = agents.find((x: { controlSocket: string }) => x.controlSocket === sockA);
    assert.deepEqual(first.chain, { type: 'strict', proxies: [X()] });
    assert.ok(first.counts.programs >= 4 && first.counts.connectsProxied >= 4, JSON.stringify(first.counts));
  });

  test('status --json: every documented field, of its type; status without agents says so', async () => {
    await shell([process.execPath, SOCKSWRAP, 'agent', 'stop', '--all', '-q']);
    const none = await shell([process.execPath, SOCKSWRAP, 'status', '--json']);
    assert.deepEqual(JSON.parse(none.stdout.toString()), { agents: [] });
    // Two curls (the first by name: its resolver thread asks RESOLVE on a connection of its own
    // and ends before the main thread connects), and the CLI itself run hooked inside shell mode.
    const on = await shell([bin('bash'), '-c', `eval "$(sockswrap on -q -x ${X()})" && curl -sS -m 20 ${hello} && curl -sS -m 20 ${whoami()} && sockswrap status --json >/dev/null && sockswrap status >/dev/null`]);
    assert.equal(on.status, 0, on.stderr);
    const r = await shell([process.execPath, SOCKSWRAP, 'status', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const { agents } = JSON.parse(r.stdout.toString());
    assert.equal(agents.length, 1);
    const a = agents[0];
    assert.deepEqual(Object.keys(a).sort(), ['chain', 'controlSocket', 'counts', 'foreground', 'key', 'log', 'pid', 'remoteDns', 'running', 'startedAt', 'uptimeSeconds'].sort());
    assert.match(a.key, /^[0-9a-f]{16}$/);
    assert.ok(Number.isInteger(a.pid) && a.pid > 1);
    assert.equal(a.running, true);
    assert.equal(a.foreground, false);
    assert.ok(!Number.isNaN(Date.parse(a.startedAt)) && a.startedAt.endsWith('Z'));
    assert.ok(Number.isInteger(a.uptimeSeconds) && a.uptimeSeconds >= 0);
    assert.deepEqual(a.chain, { type: 'strict', proxies: [X()] });
    assert.equal(a.remoteDns, true);
    assert.ok(a.controlSocket.startsWith(join(runtime, 'sockswrap', `agent-${a.key}`)));
    assert.equal(a.log, join(runtime, 'sockswrap', `agent-${a.key}.log`));
    assert.deepEqual(Object.keys(a.counts).sort(), ['connectsDirect', 'connectsProxied', 'lookups', 'programs', 'programsNow', 'udpRoutes']);
    assert.ok(a.counts.lookups >= 1 && a.counts.connectsProxied >= 2, JSON.stringify(a.counts));
    assert.equal(a.counts.programs, 2, `two curls are two programs: ${JSON.stringify(a.counts)}`);
    const text = await shell([process.execPath, SOCKSWRAP, 'status']);
    assert.match(text.stdout.toString(), new RegExp(`${X().replace(/[.:/]/g, '\\$&')} \\(strict, remote DNS\\): pid ${a.pid}`));
  });

  test('sockswrap agent in the foreground (a systemd unit): on reuses it, status says foreground, SIGTERM stops it and removes its directory', async () => {
    await shell([process.execPath, SOCKSWRAP, 'agent', 'stop', '--all', '-q']);
    const child = lab.spawn(lab.client, [process.execPath, SOCKSWRAP, 'agent', '-x', X()], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const running = new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        if (/running \(pid/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
    });
    await running;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const r = await shell([bin('bash'), '-c', `eval "$(sockswrap on -x ${X()})" && curl -sS -m 20 ${whoami()}`]);
    assert.equal(r.status, 0, r.stderr);
    proxied(r.stdout.toString().trim());
    assert.match(r.stderr, new RegExp(`reusing agent pid ${child.pid}\\)`));
    const status = JSON.parse((await shell([process.execPath, SOCKSWRAP, 'status', '--json'])).stdout.toString());
    assert.equal(status.agents.length, 1);
    assert.equal(status.agents[0].pid, child.pid);
    assert.equal(status.agents[0].foreground, true);
    assert.equal(status.agents[0].log, null, 'a foreground agent logs to its own stderr (the journal)');
    const again = await shell([process.execPath, SOCKSWRAP, 'agent', '-x', X()]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already running for this configuration/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(readdirSync(join(runtime, 'sockswrap')).filter((f) => f.startsWith('agent-') && !f.endsWith('.log')), []);
  });

  test('bad input exits 2 with a message: status, on, off, agent stop', async () => {
    for (const [args, re] of [
      [['status', '--nope'], /unknown option/],
      [['status', 'extra'], /too many arguments/],
      [['on', '-x', 'nope://h:1'], /unknown scheme "nope"/],
      [['on', '--shell', 'tcsh', '-x', X()], /--shell tcsh: expected/],
      [['off', 'now'], /unexpected argument now/],
      [['agent', 'stop', '--all', '-x', X()], /--all stops every agent/],
    ] as [string[], RegExp][]) {
      const r = await shell([process.execPath, SOCKSWRAP, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout.length, 0, 'no shell code on bad input');
    }
  });
});
