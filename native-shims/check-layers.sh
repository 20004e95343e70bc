#!/bin/sh
# The shim's layering, checked on its object files (run by the Makefile after every build):
#   - an object calls only objects of its own layer or below: core < paths < hooks, and the exec
#     helper's exec/ above core and paths (it is linked without hooks/);
#   - no cycle between objects, in any layer;
#   - nothing calls one of the shim's own exported functions (its hooks) by name, since inside the
#     shim that name resolves to the hook, not libc: core/libc.h's `real` is for that. Only the
#     files that exist to forward one exported name to another may (FORWARDERS).
#   Not seen: a call of an exported hook from inside the object that defines it (nm shows no
#   undefined symbol for it); such calls are left to review (today: execv/execl* -> execve and
#   gethostbyname -> gethostbyname2 in their own files, on purpose).
# Usage: check-layers.sh BUILD_DIR OBJECT... (the objects the library links, under BUILD_DIR).
# Prints each violation and exits 1, or prints nothing.
set -eu
build=$1
shift
FORWARDERS="hooks/libc-aliases.o hooks/fortify-hooks.o"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$@"; do
    obj=${o#"$build"/}
    # Defined globals, with whether they are exported (default visibility) or hidden.
    readelf -sW "$o" | awk -v obj="$obj" '$5 ~ /GLOBAL|WEAK/ && $7 != "UND" && $6 != "" { print $8, obj, ($6 == "DEFAULT" ? "export" : "hidden") }' >>"$tmp/defs"
    nm -u "$o" | awk -v obj="$obj" '{ print obj, $2 }' >>"$tmp/uses"
done
awk -v forwarders="$FORWARDERS" '
  function rank(o) { return o ~ /^core\// ? 0 : o ~ /^paths\// ? 1 : o ~ /^hooks\// ? 2 : 3 }
  FNR == NR { def[$1] = $2; kind[$1] = $3; next }
  {
    obj = $1; sym = $2
    if (!(sym in def) || def[sym] == obj) next
    to = def[sym]
    if (kind[sym] == "export" && index(" " forwarders " ", " " obj " ") == 0) {
      printf "layers: %s calls %s, an exported hook of %s: call real.%s (core/libc.h)\n", obj, sym, to, sym; bad = 1
    }
    if (rank(to) > rank(obj)) {
      printf "layers: %s calls %s in %s, a higher layer\n", obj, sym, to; bad = 1
    }
    if (!((obj, to) in edge)) { edge[obj, to] = 1; out[obj] = out[obj] " " to; nodes[obj] = 1; nodes[to] = 1 }
    via[obj, to] = sym
  }
  function visit(n,    i, k, m, parts) {
    state[n] = 1; stack[++depth] = n
    k = split(out[n], parts, " ")
    for (i = 1; i <= k; i++) {
      m = parts[i]
      if (state[m] == 1) {
        printf "layers: a cycle:"
        for (j = 1; j <= depth; j++) if (stack[j] == m) break
        for (; j <= depth; j++) printf " %s ->", stack[j]
        printf " %s (%s)\n", m, via[n, m]; bad = 1
      } else if (state[m] == 0) visit(m)
    }
    depth--; state[n] = 2
  }
  END { for (n in nodes) if (state[n] == 0) visit(n); exit bad }
' "$tmp/defs" "$tmp/uses"
