/** Process helpers for the benchmarks. @module */

/**
 * The process's peak resident memory in MiB: getrusage's ru_maxrss (the same high-water mark as
 * /proc/self/status VmHWM, which Deno only lets --allow-all processes read), via FFI on libc.
 */
export function peakRssMiB(): number {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      getrusage: { parameters: ["i32", "buffer"], result: "i32" },
    });
    const buf = new BigInt64Array(18); // struct rusage: 2 timevals, then long ru_maxrss (kB)
    const rc = libc.symbols.getrusage(0, buf);
    libc.close();
    return rc === 0 ? Number(buf[4]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
