// `sockswrap --version`: the launcher's version and the build identity of the shim it would
// preload, so a launcher and a shim from different builds are visible at a glance.
import { describeIdentity, locateShim, packageVersion } from './shim-locator';

/** The text, and whether the shim is usable (exit 0) or not (exit 1). */
export function versionText(): { text: string; ok: boolean } {
  const shim = locateShim();
  const about = shim.identity ? `${describeIdentity(shim.identity)} (${shim.kind}: ${shim.path})` : `(${shim.kind}: ${shim.path})`;
  const lines = [`sockswrap ${packageVersion()}`, `shim ${about}`];
  if (shim.problem !== undefined) lines.push(`sockswrap cannot run programs: ${shim.problem}`);
  return { text: `${lines.join('\n')}\n`, ok: shim.problem === undefined };
}
