#!/usr/bin/python3
# Reference adapter, used only to check the e2e tests themselves: translates the sockswrap CLI
# (-x URL... / -f FILE / -v / -q, then the program) to proxychains4. Run the suite with
#   SOCKSWRAP_E2E_CMD=$PWD/test/helpers/proxychains-adapter.py node test/run.js e2e
# Expected to fail where proxychains differs from the sockswrap contract (getpeername, AAAA,
# loopback, exit 2 on bad input, its own log lines).
import sys, os, tempfile, urllib.parse
a = sys.argv[1:]; hops = []; conf = None
while a:
    x = a.pop(0)
    if x == '--': break
    if x == '-x': hops.append(a.pop(0))
    elif x == '-f': conf = a.pop(0)
    elif x in ('-v', '-q'): pass
    else: a.insert(0, x); break
if conf is None:
    lines = ['strict_chain', 'proxy_dns', 'remote_dns_subnet 240', '[ProxyList]']
    for h in hops:
        u = urllib.parse.urlsplit(h)
        l = 'socks5 %s %d' % (u.hostname, u.port)
        if u.username: l += ' %s %s' % (urllib.parse.unquote(u.username), urllib.parse.unquote(u.password))
        lines.append(l)
    fd, conf = tempfile.mkstemp(suffix='.conf'); os.write(fd, ('\n'.join(lines) + '\n').encode()); os.close(fd)
os.execvp('proxychains4', ['proxychains4', '-q', '-f', conf] + a)
