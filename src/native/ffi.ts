/**
 * ffi-rs, loaded on first use and without its platform probe. Its index.js picks the glibc or musl
 * binding with process.report.getReport(), which builds a whole diagnostic report: 10–15 ms of CPU
 * on every run that loads it (docs/benchmarks.md, "Start-up"). The launcher already knows the C
 * library from Node's own dynamic loader (hostLibc, one page read), so for the moment of the
 * require the probe is answered from that; with an unknown libc ffi-rs asks as usual.
 */
import { readFileHead } from './file-head';

type FfiRs = typeof import('ffi-rs');
let loaded: FfiRs | undefined;

export function ffi(): FfiRs {
  if (loaded) return loaded;
  const report = process.report;
  const libc = hostLibc();
  if (!report || libc === 'unknown') return (loaded = require('ffi-rs') as FfiRs);
  const getReport = report.getReport;
  // ffi-rs reads only header.glibcVersionRuntime (present: glibc; absent: musl).
  report.getReport = (() => ({ header: libc === 'gnu' ? { glibcVersionRuntime: 'from PT_INTERP' } : {} })) as unknown as typeof getReport;
  try {
    return (loaded = require('ffi-rs') as FfiRs);
  } finally {
    report.getReport = getReport;
  }
}

/**
 * glibc or musl, from the dynamic loader this Node runs under (its PT_INTERP): the wrapped
 * programs of this machine use the same C library. Reading one page costs microseconds, where
 * process.report would cost milliseconds on every run.
 */
export function hostLibc(execPath = process.execPath): 'gnu' | 'musl' | 'unknown' {
  let head: Buffer;
  try {
    head = readFileHead(execPath, 8192);
  } catch {
    return 'unknown';
  }
  const text = head.toString('latin1');
  if (text.includes('/ld-musl-')) return 'musl';
  if (/\/ld-linux[-\w.]*\.so/.test(text)) return 'gnu';
  return 'unknown';
}
