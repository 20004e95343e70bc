// The packed package, installed as a user installs it (docs/packaging.md): `npm pack` in a copy of
// the sources, then `npm install -g` into a temporary prefix from a PATH that holds only node and
// sh (no gcc, no make, no tsc) and with no registry (--offline). Then the installed `sockswrap`
// wraps curl through danted in the namespace lab, and the packed pieces are checked one by one:
// the arm64 shim, the man page, the completion scripts, and the refusals (no shim, wrong version).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLab, type Lab } from '../helpers/net-lab';
import { startDanted, startTargets, waitForLog, reEscape, HTTP_PORT, type Danted } from '../helpers/peers';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { REPO, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless, which } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'sh'], { root: true });
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** What `npm pack` needs from a clone; the build outputs are made anew by its prepack. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'src', 'docs', 'man', 'tools', 'native-shims'];

function npmCli(): string {
  const beside = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(beside)) return beside;
  return join(dirname(realpathSync(bin('npm'))), 'npm-cli.js');
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what}: status ${r.status} ${r.error ?? ''}\n${r.stderr}`);
  return r.stdout;
}

/** The hook symbols a shim exports: its defined dynamic functions. */
function exportedFunctions(nm: string, file: string): string[] {
  const out = ok(spawnSync(nm, ['-D', '--defined-only', file], { encoding: 'utf8' }), `nm ${file}`);
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && /^[TW]$/.test(f[1])).map((f) => f[2]).sort();
}

function packedList(tarball: string): string[] {
  return ok(spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }), 'tar -t').split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
}

describe('a packed sockswrap, installed with npm and no compiler', { skip: SKIP, timeout: 600_000 }, () => {
  let base: string;
  let tarball: string;
  let sandboxPath: string;
  let home: string;
  let prefix: string;
  let installed: string;
  let sockswrapBin: string;
  let installLog: string;
  let lab: Lab;
  let danted: Danted;

  /** A run with only the sandbox on PATH, as a user without compilers. */
  function sandboxed(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
    return spawnSync(argv[0], argv.slice(1), {
      encoding: 'utf8', timeout: 120_000, cwd: opts.cwd ?? base, input: opts.input,
      env: { HOME: home, PATH: sandboxPath, LANG: 'C.UTF-8', ...opts.env },
    });
  }

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'sw-pack-'));
    // npm pack in a copy, so the checkout's own dist/ (which other tests are running from) is untouched.
    const src = join(base, 'src');
    for (const part of SOURCES) {
      cpSync(join(REPO, part), join(src, part), { recursive: true, filter: (p) => !p.startsWith(join(REPO, 'native-shims', 'build')) });
    }
    symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));
    const pack = spawnSync(process.execPath, [npmCli(), 'pack', '--json'], { cwd: src, encoding: 'utf8', timeout: 480_000 });
    const packed = JSON.parse(ok(pack, 'npm pack')) as { filename: string }[];
    tarball = join(src, packed[0].filename);

    // The sandbox: node and sh, nothing else (npm runs sh for npx; bin/sockswrap is a #!/bin/sh script that starts node).
    sandboxPath = join(base, 'sandbox-bin');
    mkdirSync(sandboxPath);
    symlinkSync(process.execPath, join(sandboxPath, 'node'));
    symlinkSync(bin('sh'), join(sandboxPath, 'sh'));
    home = join(base, 'home');
    mkdirSync(home);
    prefix = join(base, 'prefix');
    const install = sandboxed([process.execPath, npmCli(), 'install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball]);
    installLog = ok(install, 'npm install -g') + install.stderr;
    installed = join(prefix, 'lib', 'node_modules', 'sockswrap');
    sockswrapBin = join(prefix, 'bin', 'sockswrap');

    lab = createLab();
    installLeakCounter(lab);
    await startTargets(lab);
    danted = await startDanted(lab, 1080);
  });
  after(() => {
    lab?.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  test('the sandbox has no compiler, and the install needed none and ran no script', () => {
    for (const tool of ['gcc', 'cc', 'make', 'tsc', 'aarch64-linux-gnu-gcc']) {
      const r = sandboxed(['sh', '-c', `command -v ${tool}`]);
      assert.notEqual(r.status, 0, `${tool} is reachable in the sandbox: ${r.stdout}`);
    }
    assert.doesNotMatch(installLog, /install-scripts|allowScripts|gyp/, installLog);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.scripts, undefined, 'the packed package.json carries lifecycle scripts');
    assert.ok(!existsSync(join(installed, 'native-shims')), 'the package carries the C sources or a source build');
  });

  test('the tarball holds the compiled JS, both prebuilt shims, the docs and the man page, and nothing of the build', () => {
    const list = packedList(tarball);
    for (const want of ['bin/sockswrap', 'bin/sockswrap.js', 'dist/src/cli/main.js', 'dist/snapshot/sockswrap.blob', 'dist/snapshot/node.json', 'man/sockswrap.1', 'README.md', 'docs/packaging.md',
      'prebuilds/linux-x64-gnu/libsockswrap.so', 'prebuilds/linux-x64-gnu/libsockswrap-check.so',
      'prebuilds/linux-arm64-gnu/libsockswrap.so', 'prebuilds/linux-arm64-gnu/libsockswrap-check.so',
      'node_modules/commander/package.json', 'node_modules/ipaddr.js/package.json', 'node_modules/dns-packet/package.json']) {
      assert.ok(list.includes(want), `${want} is not in the package`);
    }
    const strays = list.filter((p) => /^(dist\/test|native-shims|src|test|tools)\/|\.map$|\.o$|\.c$|\.ts$/.test(p) && !p.startsWith('node_modules/'));
    assert.deepEqual(strays, []);
  });

  test('--version of the installed sockswrap names the prebuilt x64 shim of the same version', () => {
    const r = sandboxed([sockswrapBin, '--version']);
    const out = ok(r, 'sockswrap --version');
    assert.equal(out.split('\n')[0], `sockswrap ${VERSION}`);
    assert.match(out, new RegExp(`^shim ${reEscape(VERSION)} for x86_64-linux-gnu, built by \\S+ \\d[\\d.]* from sources [0-9a-f]{12} \\(prebuilt: ${reEscape(join(installed, 'prebuilds', 'linux-x64-gnu', 'libsockswrap.so'))}\\)$`, 'm'));
  });

  test('the installed sockswrap wraps curl through danted in the lab: the target sees danted, nothing leaks', async () => {
    takeLeaks(lab);
    // `ip netns exec` needs the normal PATH; from env -i on, only the sandbox's.
    const r = await lab.run(lab.client, [bin('env'), '-i', `HOME=${home}`, `PATH=${sandboxPath}`, sockswrapBin,
      '-x', `socks5h://${danted.host}:${danted.port}`, '--', bin('curl'), '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/whoami`], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), lab.targetIp4, show(r)); // danted's address, as the target saw it
    assertNoLeaks(lab);
    const re = new RegExp(`tcp/connect \\[: ${reEscape(lab.clientIp4)}\\.\\d+ ${reEscape(danted.host)}\\.${danted.port} -> \\S+ ${reEscape(lab.targetIp4)}\\.${HTTP_PORT}\\b`);
    assert.match(await waitForLog(danted.log, re), re, 'danted did not log the connection');
  });

  test('a project-local npm install and npx run it too, also without a compiler', () => {
    const project = join(base, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "name": "uses-sockswrap", "version": "1.0.0", "private": true }\n');
    ok(sandboxed([process.execPath, npmCli(), 'install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project }), 'npm install (local)');
    const local = ok(sandboxed([join(project, 'node_modules', '.bin', 'sockswrap'), '--version'], { cwd: project }), 'local sockswrap --version');
    assert.match(local, /\(prebuilt: .*\/project\/node_modules\/sockswrap\/prebuilds\/linux-x64-gnu\/libsockswrap\.so\)/);
    const npx = sandboxed([process.execPath, join(dirname(npmCli()), 'npx-cli.js'), '--offline', '--yes', `./${tarball.split('/').pop()}`, '--version'], { cwd: dirname(tarball) });
    assert.match(ok(npx, 'npx ./sockswrap-*.tgz --version'), /\(prebuilt: .*\/_npx\/.*\/prebuilds\/linux-x64-gnu\/libsockswrap\.so\)/);
  });

  test('the start-up snapshot: packed, vouched for by a first normal start, then taken, with the same output', () => {
    // The package's own command, not npm's link to it: the sandbox has no readlink, so through the
    // link it is always the normal start (test/integration/startup-snapshot.test.ts runs both).
    const direct = join(installed, 'bin', 'sockswrap');
    const how = ['-q', '-x', 'socks5h://127.0.0.1:9', '--', 'node', '-e',
      "console.log(require('fs').readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8').split('\\0')[1] === '--snapshot-blob' ? 'snapshot' : 'normal')"];
    const nodePath = join(installed, 'dist', 'snapshot', 'node-path');
    assert.ok(!packedList(tarball).includes('dist/snapshot/node-path'), 'the packing machine\'s node-path is in the package');
    if (!existsSync(nodePath)) assert.equal(ok(sandboxed([direct, ...how]), 'first run').trim(), 'normal');
    assert.equal(readFileSync(nodePath, 'utf8'), `${realpathSync(process.execPath)}\n`);
    assert.equal(ok(sandboxed([direct, ...how]), 'snapshot run').trim(), 'snapshot');
    for (const args of [['--version'], ['-x', 'bogus://', '--', 'true'], ['-q', '-x', 'socks5h://127.0.0.1:9', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']]) {
      const a = sandboxed([direct, ...args]);
      const b = sandboxed([process.execPath, join(installed, 'bin', 'sockswrap.js'), ...args]);
      assert.deepEqual([a.status, a.stdout, a.stderr], [b.status, b.stdout, b.stderr], args.join(' '));
    }
  });

  /** A copy of the installed package, to break one thing in. */
  function brokenCopy(name: string, breakIt: (dir: string) => void): string {
    const dir = join(base, name);
    cpSync(installed, dir, { recursive: true });
    breakIt(dir);
    return join(dir, 'bin', 'sockswrap.js');
  }

  test('with no prebuilt shim for this machine: one line saying so, and the program is not run', () => {
    const launcher = brokenCopy('no-x64', (dir) => rmSync(join(dir, 'prebuilds', 'linux-x64-gnu'), { recursive: true }));
    const r = sandboxed([process.execPath, launcher, '-x', 'socks5h://127.0.0.1:9', '--', 'sh', '-c', 'echo RAN UNPROXIED']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^sockswrap: cannot start: no prebuilt shim for linux-x64-gnu in this package \(it carries linux-arm64-gnu\): build sockswrap from a clone .*npm install/);
  });

  test('a shim of another version is refused with a message, and the program is not run', () => {
    const launcher = brokenCopy('other-version', (dir) => {
      const manifest = join(dir, 'package.json');
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(`"version": "${VERSION}"`, '"version": "99.0.0"'));
    });
    const r = sandboxed([process.execPath, launcher, '-x', 'socks5h://127.0.0.1:9', '--', 'sh', '-c', 'echo RAN UNPROXIED']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^sockswrap: cannot start: the shim \\S+/prebuilds/linux-x64-gnu/libsockswrap\\.so is version ${reEscape(VERSION)}, this launcher is 99\\.0\\.0: reinstall sockswrap\\n$`));
    const v = sandboxed([process.execPath, launcher, '--version']);
    assert.equal(v.status, 1, 'a --version that finds an unusable shim exits 1');
    assert.match(v.stdout, /^sockswrap 99\.0\.0\nshim 0\.1\.0 for x86_64-linux-gnu/);
  });

  test('the arm64 shim is an aarch64 ELF exporting the same hook functions as the x64 one', () => {
    const x64 = join(installed, 'prebuilds', 'linux-x64-gnu', 'libsockswrap.so');
    const arm64 = join(installed, 'prebuilds', 'linux-arm64-gnu', 'libsockswrap.so');
    const header = ok(spawnSync('readelf', ['-h', arm64], { encoding: 'utf8' }), 'readelf -h');
    assert.match(header, /Class:\s+ELF64/);
    assert.match(header, /Machine:\s+AArch64/);
    assert.match(header, /Type:\s+DYN/);
    const x64Hooks = exportedFunctions('nm', x64);
    assert.ok(x64Hooks.includes('connect') && x64Hooks.includes('getaddrinfo'), x64Hooks.join(' '));
    assert.deepEqual(exportedFunctions('nm', arm64), x64Hooks);
    const checker = join(installed, 'prebuilds', 'linux-arm64-gnu', 'libsockswrap-check.so');
    assert.match(ok(spawnSync('readelf', ['-h', checker], { encoding: 'utf8' }), 'readelf -h'), /Machine:\s+AArch64/);
    const entries = ['sockswrap_check_program', 'sockswrap_seccomp_missing'];
    assert.deepEqual(exportedFunctions('nm', checker), entries, 'the checker library exports its entries only: no hooks');
    assert.deepEqual(exportedFunctions('nm', join(installed, 'prebuilds', 'linux-x64-gnu', 'libsockswrap-check.so')), entries);
    // The exec helper of the seccomp supervisor (docs/seccomp.md) is packed for both too.
    const helper = join(installed, 'prebuilds', 'linux-arm64-gnu', 'sockswrap-exec');
    assert.match(ok(spawnSync('readelf', ['-h', helper], { encoding: 'utf8' }), 'readelf -h'), /Machine:\s+AArch64/);
    assert.match(ok(spawnSync('readelf', ['-h', join(installed, 'prebuilds', 'linux-x64-gnu', 'sockswrap-exec')], { encoding: 'utf8' }), 'readelf -h'), /Machine:\s+Advanced Micro Devices X86-64/);
  });

  test('under qemu-aarch64, an arm64 program with the arm64 shim preloaded fetches by name through danted', { skip: skipUnless(['qemu-aarch64', 'aarch64-linux-gnu-gcc']) }, async () => {
    const program = join(base, 'http-get.aarch64');
    ok(spawnSync('aarch64-linux-gnu-gcc', ['-O2', '-o', program, join(REPO, 'test', 'fixtures', 'http-get.c')], { encoding: 'utf8' }), 'aarch64-linux-gnu-gcc');
    const sysroot = '/usr/aarch64-linux-gnu';
    const arm64Shim = join(installed, 'prebuilds', 'linux-arm64-gnu', 'libsockswrap.so');
    takeLeaks(lab);
    // The agent as the launcher starts it, but qemu itself unhooked: only the guest loads a shim.
    const r = await lab.run(lab.client, [process.execPath, join(__dirname, '..', 'helpers', 'agent-env-runner.js'), `socks5h://${danted.host}:${danted.port}`, '--',
      bin('qemu-aarch64'), '-L', sysroot, '-E', `LD_PRELOAD=${arm64Shim}`, program, 'target.test', String(HTTP_PORT), '/whoami'], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), lab.targetIp4, show(r));
    assertNoLeaks(lab);
    const re = new RegExp(`tcp/connect \\[: ${reEscape(lab.clientIp4)}\\.\\d+ ${reEscape(danted.host)}\\.${danted.port} -> \\S+ ${reEscape(lab.targetIp4)}\\.${HTTP_PORT}\\b`);
    assert.match(await waitForLog(danted.log, re), re, 'danted did not log the connection');
    // Without the shim the same program cannot even resolve the name: the lab gives the client none.
    const bare = await lab.run(lab.client, [bin('qemu-aarch64'), '-L', sysroot, program, 'target.test', String(HTTP_PORT), '/whoami'], { timeoutMs: 60_000 });
    assert.notEqual(bare.status, 0, show(bare));
  });

  test('man sockswrap renders from the installed prefix, and documents every option', { skip: skipUnless(['man']) }, () => {
    const page = join(prefix, 'share', 'man', 'man1', 'sockswrap.1');
    assert.ok(existsSync(page), 'npm did not install the man page');
    const found = spawnSync('man', ['-w', 'sockswrap'], { encoding: 'utf8', env: { ...process.env, MANPATH: join(prefix, 'share', 'man') } });
    assert.equal(ok(found, 'man -w').trim(), realpathSync(page));
    const r = spawnSync('man', ['--warnings', '-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' } });
    const text = ok(r, 'man -l');
    assert.equal(r.stderr, '', 'groff warnings');
    assert.match(text, /^SOCKSWRAP\(1\)/);
    for (const option of ['--proxy', '--config', '--chain', '--chain-len', '--allow-unhooked', '--quiet', '--verbose', '--version', '--help']) {
      assert.ok(text.includes(option), `${option} missing from the man page`);
    }
  });

  for (const [shell, pkg] of [['bash', 'bash'], ['zsh', 'zsh'], ['fish', 'fish']] as const) {
    test(`the ${shell} completion script of the installed sockswrap loads without error and completes chain types`, { skip: skipUnless([shell]) }, () => {
      const script = join(base, `completion.${shell}`);
      writeFileSync(script, ok(sandboxed([sockswrapBin, 'completion', shell]), `completion ${shell}`));
      const probes: Record<typeof shell, string[]> = {
        bash: ['bash', '--norc', '--noprofile', '-c', `source ${script} && COMP_WORDS=(sockswrap --chain "") COMP_CWORD=2 && _sockswrap && printf '%s\\n' "\${COMPREPLY[@]}"`],
        // zsh completes only at its line editor: an interactive zsh under zpty, each read waiting
        // for its pattern (the prompt, then the listing).
        zsh: ['zsh', '-f', '-c', [
          'zmodload zsh/zpty',
          'zpty z zsh -f -i',
          `zpty -w z "autoload -Uz compinit; compinit -u -D; source ${script} && print -r -- LOADED:\\$_comps[sockswrap]; P=READY; PS1=\\"\\$P> \\""`, // the echoed line must not match the prompt's pattern
          "zpty -r z out '*READY> '",
          'print -r -- "$out"',
          "zpty -w -n z $'sockswrap --chain \\t'",
          "zpty -r z out '*strict*'",
          'print -r -- ${${(f)out}[-1]}',
        ].join('\n')],
        fish: ['fish', '--no-config', '-c', `source ${script}; and complete -C'sockswrap --chain '`],
      };
      const r = spawnSync(which(shell)!, probes[shell].slice(1), { encoding: 'utf8', timeout: 30_000, env: { HOME: home, PATH: process.env.PATH, TERM: 'dumb' } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', `${shell} printed errors loading the script`);
      if (shell === 'zsh') {
        const out = r.stdout.replace(/\r|\x1b\[[0-9;?]*[A-Za-z]/g, '');
        assert.match(out, /LOADED:_sockswrap/, 'the script did not register _sockswrap');
        const listing = out.trim().split('\n').pop()!;
        assert.deepEqual(listing.trim().split(/\s+/).sort(), ['dynamic', 'random', 'round-robin', 'strict'], out);
      } else assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]).sort(), ['dynamic', 'random', 'round-robin', 'strict']);
    });

    test(`the ${shell} completion script completes shell mode's commands: agent stop --all, on --shell NAME, status --json`, { skip: skipUnless([shell]) }, () => {
      const script = join(base, `completion.${shell}`);
      writeFileSync(script, ok(sandboxed([sockswrapBin, 'completion', shell]), `completion ${shell}`));
      const words = ['agent stop --a', 'on --shell ', 'status --j', 'agent '];
      const probes: Record<typeof shell, string[]> = {
        bash: ['bash', '--norc', '--noprofile', '-c', [`source ${script} || exit 1`,
          ...words.map((w) => `COMP_WORDS=(sockswrap ${w.trim()}${w.endsWith(' ') ? ' ""' : ''}) COMP_CWORD=${w.trim().split(' ').length + (w.endsWith(' ') ? 1 : 0)} && _sockswrap && echo "\${COMPREPLY[*]}"`)].join('\n')],
        // Each line typed at zsh's line editor under zpty: the word completed in place, or the listing.
        zsh: ['zsh', '-f', '-c', [
          'zmodload zsh/zpty',
          'zpty z zsh -f -i',
          `zpty -w z "autoload -Uz compinit; compinit -u -D; source ${script}; P=READY; PS1=\\"\\$P> \\""`,
          "zpty -r z out '*READY> '",
          // Several matches are listed (wait for the last); a single one is completed in place, and
          // then the line is printed by putting `print -r -- R3` in front of it.
          "zpty -w -n z $'sockswrap agent stop --\\t'",
          "zpty -r z out '*--this-shell*'",
          'print -r -- "R0 $out"',
          "zpty -w z $'\\C-u'",
          "zpty -r z out '*READY> '",
          "zpty -w -n z $'sockswrap on --shell \\t'",
          "zpty -r z out '*zsh*'",
          'print -r -- "R1 ${${(f)out}[-1]}"',
          "zpty -w z $'\\C-u'",
          "zpty -r z out '*READY> '",
          "zpty -w -n z $'sockswrap status --\\t'",
          "zpty -r z out '*--json*'",
          'print -r -- "R2 $out"',
          "zpty -w z $'\\C-u'",
          "zpty -r z out '*READY> '",
          "zpty -w -n z $'sockswrap agent \\t'",
          "zpty -w z $'\\C-aprint -r -- ${:-R3} '",
          "zpty -r z out '*R3 sockswrap agent stop*'",
          'print -r -- "R3 ok"',
        ].join('\n')],
        fish: ['fish', '--no-config', '-c', [`source ${script}; or exit 1`, ...words.map((w) => `echo (complete -C'sockswrap ${w}' | cut -f1)`)].join('\n')],
      };
      const r = spawnSync(which(shell)!, probes[shell].slice(1), { encoding: 'utf8', timeout: 30_000, env: { HOME: home, PATH: process.env.PATH, TERM: 'dumb' } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', `${shell} printed errors`);
      if (shell === 'zsh') {
        const out = r.stdout.replace(/\r|\x1b\[[0-9;?]*[A-Za-z]/g, '');
        // A single match is completed in place (the line ends with it), several are listed.
        assert.match(out, /R0 [^]*--all[^]*--this-shell/, out);
        assert.match(out, /R1 .*bash\s+dash\s+fish\s+ksh\s+sh\s+zsh/, out);
        assert.match(out, /R2 [^]*--help[^]*--json/, out);
        assert.match(out, /R3 ok/, out);
      } else {
        assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).sort().join(' ')), ['--all', 'bash dash fish ksh sh zsh', '--json', 'stop'], r.stdout);
      }
    });
  }
});
