/* The shim's build identity, as a what(1) string: "@(#)sockswrap-shim VERSION TARGET COMPILER
 * src HASH". The launcher reads it from the file before preloading (src/cli/shim-locator.ts):
 * it refuses a shim whose VERSION is not its own, and `sockswrap --version` prints the rest.
 * The values come from the Makefile; nothing calls this, so it is kept with "used". */
#ifndef SHIM_VERSION
#error "build with the Makefile: it defines SHIM_VERSION, SHIM_TARGET, SHIM_COMPILER, SHIM_SOURCES"
#endif

__attribute__((used)) static const char shim_identity[] =
	"@(#)sockswrap-shim " SHIM_VERSION " " SHIM_TARGET " " SHIM_COMPILER " src " SHIM_SOURCES;
