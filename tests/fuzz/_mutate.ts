/**
 * The fuzz tests' shared machinery: a seeded generator, mutants of a valid file (truncations,
 * bit flips in the header and in the body, appended bytes, empty file, a directory in the file's
 * place, plus each format's own absurd headers), and a runner that feeds every mutant to the
 * reader the CLIs call and checks the outcome:
 *
 * - either the reader accepts it (a flip in pixel data can leave a valid file), counted as valid
 *   and checked by the format's `checkValid`;
 * - or it throws a bad-input error (a `UserError`: exit code 2 in the CLIs) whose message is one
 *   line naming the file and the problem;
 * - within a time bound, with no typed array or ArrayBuffer of more than {@linkcode ALLOC_LIMIT}
 *   bytes requested from JavaScript, and nothing written outside the mutant's folder's cache:
 *   `TMPDIR`, `HOME` and `XDG_CACHE_HOME` point into the mutant's folder while it is read, and
 *   must stay empty there.
 *
 * Failures name the format, the seed and the mutant's index and kind, so
 * `mutants(seed, …)[index]` rebuilds the exact bytes. `BNN_FUZZ_VERBOSE=1` prints every
 * mutant's message.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { exitCodeFor, UserError } from "../../cli/errors.ts";
import { generator } from "../_fixtures/seeded_random.ts";

export { generator };

/**
 * A mutant's content: bytes, `"directory"` for a folder where the file should be, or a sparse
 * file of `sparse` zero bytes (a huge file that takes no disk space).
 */
export type MutantBytes = Uint8Array | "directory" | { sparse: number };

/** One mutant: its index, what was done and the content. */
export interface Mutant {
  /** Its position in the list (print it to reproduce a failure). */
  index: number;
  /** What was done, e.g. `truncate@17` or `flip-header@3.5` (byte 3, bit 5). */
  kind: string;
  /** The mutated file. */
  bytes: MutantBytes;
}

/** A format's own mutant: a name and what it makes of (a copy of) the valid file. */
export interface SpecialMutant {
  kind: string;
  make: (valid: Uint8Array) => MutantBytes;
}

/** Options of {@linkcode mutants}. */
export interface MutantOptions {
  /** How many bytes at the start are header (flips there are `flip-header`); at least 1. */
  headerBytes: number;
  /** The format's own mutants (wrong magic, absurd sizes, ...), placed first. */
  special?: SpecialMutant[];
  /** Total number of mutants (default 220). */
  count?: number;
}

/**
 * Seeded mutants of `valid`: the empty file, a directory, the format's special mutants, then
 * in turn random truncations (anywhere, and inside the header), 1–3 distinct bit flips in the
 * header (twice as often), 1–3 in the body, and random bytes appended at the end.
 *
 * @param seed The generator's seed.
 * @param valid A valid file of the format.
 * @param options The header size, the special mutants and the count.
 * @returns `count` mutants, the same for the same arguments.
 *
 * @example Usage
 * ```ts
 * import { mutants } from "./_mutate.ts";
 * const list = mutants(1, new Uint8Array(64).fill(7), { headerBytes: 8, count: 30 });
 * if (list.length !== 30 || list[0].kind !== "empty" || list[1].bytes !== "directory") {
 *   throw new Error();
 * }
 * ```
 */
export function mutants(seed: number, valid: Uint8Array, options: MutantOptions): Mutant[] {
  const rand = generator(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const header = Math.max(1, Math.min(options.headerBytes, valid.length));
  const body = valid.length - header;
  const out: Mutant[] = [];
  const push = (kind: string, bytes: MutantBytes) => out.push({ index: out.length, kind, bytes });
  push("empty", new Uint8Array(0));
  push("directory", "directory");
  for (const s of options.special ?? []) push(s.kind, s.make(valid.slice()));
  const flip = (from: number, span: number, what: string) => {
    const b = valid.slice();
    const spots: string[] = [];
    for (let k = 1 + int(3); k > 0;) {
      const at = from + int(span), bit = int(8);
      if (spots.includes(`${at}.${bit}`)) continue; // a second flip would undo the first
      b[at] ^= 1 << bit;
      spots.push(`${at}.${bit}`);
      k--;
    }
    push(`${what}@${spots.join(",")}`, b);
  };
  for (let i = 0; out.length < (options.count ?? 220); i++) {
    switch (i % 6) {
      case 0: {
        const at = int(valid.length);
        push(`truncate@${at}`, valid.slice(0, at));
        break;
      }
      case 1: {
        const at = int(header);
        push(`truncate-header@${at}`, valid.slice(0, at));
        break;
      }
      case 2:
      case 3:
        flip(0, header, "flip-header");
        break;
      case 4:
        if (body > 0) flip(header, body, "flip-body");
        else flip(0, header, "flip-header");
        break;
      default: {
        const extra = new Uint8Array(1 + int(rand() < 0.5 ? 16 : 4096));
        for (let j = 0; j < extra.length; j++) extra[j] = int(256);
        const b = new Uint8Array(valid.length + extra.length);
        b.set(valid);
        b.set(extra, valid.length);
        push(`append@${extra.length}`, b);
      }
    }
  }
  return out;
}

/**
 * Writes a mutant's content at `file`.
 *
 * @example Usage
 * ```ts
 * import { writeMutant } from "./_mutate.ts";
 * const dir = await Deno.makeTempDir();
 * await writeMutant(`${dir}/big`, { sparse: 2 ** 30 });
 * if ((await Deno.stat(`${dir}/big`)).size !== 2 ** 30) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeMutant(file: string, bytes: MutantBytes): Promise<void> {
  if (bytes === "directory") await Deno.mkdir(file);
  else if (bytes instanceof Uint8Array) await Deno.writeFile(file, bytes);
  else {
    await Deno.writeFile(file, new Uint8Array(0));
    await Deno.truncate(file, bytes.sparse);
  }
}

/**
 * The largest typed array or ArrayBuffer (in bytes) a reader may ask for while a mutant is
 * read: the valid files are a few MB at most, so anything larger was sized by a lying header.
 */
export const ALLOC_LIMIT = 256 * 2 ** 20;

const TYPED = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Uint8Array",
  "Int8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

/**
 * Runs `fn` with the typed-array and ArrayBuffer constructors watched: any `new X(n)` of more
 * than `limit` bytes throws instead of allocating. Returns how `fn` settled and the largest
 * size asked for. (Allocations inside native code, e.g. ONNX Runtime, are not seen.)
 *
 * @example Usage
 * ```ts
 * import { watchAllocations } from "./_mutate.ts";
 * const { largest } = await watchAllocations(1024, () => Promise.resolve(new Uint8Array(100)));
 * if (largest !== 100) throw new Error(String(largest));
 * ```
 */
export async function watchAllocations<T>(
  limit: number,
  fn: () => Promise<T>,
): Promise<{ result: PromiseSettledResult<T>; largest: number }> {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = TYPED.map((name) => g[name]);
  let largest = 0;
  TYPED.forEach((name, i) => {
    const Real = saved[i] as new (...a: unknown[]) => object;
    const per = name.endsWith("Buffer")
      ? 1
      : (Real as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    g[name] = new Proxy(Real, {
      construct(target, args, newTarget) {
        if (typeof args[0] === "number") {
          const bytes = args[0] * per;
          largest = Math.max(largest, bytes);
          if (bytes > limit) throw new Error(`fuzz: huge allocation: new ${name}(${args[0]})`);
        }
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
    });
  });
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { result, largest };
  } finally {
    TYPED.forEach((name, i) => (g[name] = saved[i]));
  }
}

/**
 * Every path under `dir` (folders end in `/`), relative and sorted; none when it is missing.
 *
 * @example Usage
 * ```ts
 * import { snapshot } from "./_mutate.ts";
 * if ((await snapshot("/nonexistent")).length !== 0) throw new Error();
 * ```
 */
export async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory) {
        out.push(rel + "/");
        await walk(p);
      } else out.push(rel);
    }
  }
  await walk(dir);
  return out.sort();
}

/** `BNN_FUZZ_VERBOSE=1`: print every mutant's message. */
const VERBOSE = Boolean(Deno.env.get("BNN_FUZZ_VERBOSE"));

/** What a fuzz run saw: mutants rejected and accepted, by kind (the part before `@`). */
export interface FuzzReport {
  format: string;
  seed: number;
  total: number;
  rejected: number;
  valid: number;
  /** `kind → [rejected, valid]`. */
  kinds: Record<string, [number, number]>;
  /** The slowest mutant in ms. */
  slowestMs: number;
  /** The largest typed array asked for, in bytes. */
  largestAlloc: number;
}

/** Options of {@linkcode fuzzFormat}. */
export interface FuzzOptions {
  /** The format's name, for messages. */
  format: string;
  /** The generator's seed. */
  seed: number;
  /** The mutants ({@linkcode mutants}). */
  mutants: Mutant[];
  /**
   * The folder each mutant gets, made afresh for each: the mutant and its companions go in,
   * then `read` runs (with `TMPDIR`, `HOME`, `XDG_CACHE_HOME` under `env/` in it). Nothing may
   * be created in it but under `mayWrite`.
   */
  sandbox: string;
  /** Where in the sandbox the mutant is written, relative (e.g. `data/mnist/x-idx3-ubyte`). */
  file: string;
  /** Other files to put in the sandbox for each mutant (relative path → bytes). */
  companions?: Record<string, Uint8Array>;
  /** Reads the mutant as the CLI would; `file` is its path, `sandbox` the mutant's folder. */
  read: (file: string, sandbox: string) => Promise<unknown>;
  /** What the message must contain (default: the mutant's path). */
  names?: (file: string, sandbox: string) => string;
  /** Checks an accepted mutant's result (default: none). */
  checkValid?: (result: unknown, mutant: Mutant) => void;
  /** Paths (relative to the sandbox, prefix match) the reader may create (default: none). */
  mayWrite?: string[];
  /** The per-mutant time bound in ms (default 5000). */
  timeoutMs?: number;
}

/**
 * Feeds every mutant to `read` and checks each outcome (see the module doc); returns the counts.
 *
 * @example Usage
 * ```ts
 * import { fuzzFormat, mutants } from "./_mutate.ts";
 * import { DataError } from "../../train/data/data_error.ts";
 * const sandbox = await Deno.makeTempDir();
 * const report = await fuzzFormat({
 *   format: "magic", seed: 1, sandbox: `${sandbox}/m`, file: "x.bin",
 *   mutants: mutants(1, new Uint8Array([1, 2, 3, 4]), { headerBytes: 2, count: 20 }),
 *   read: async (file) => {
 *     const b = await Deno.readFile(file).catch(() => new Uint8Array(0));
 *     if (b.join() !== "1,2,3,4") throw new DataError(file, "not 1,2,3,4");
 *   },
 * });
 * await Deno.remove(sandbox, { recursive: true });
 * if (report.total !== 20 || report.rejected !== 20) throw new Error(JSON.stringify(report));
 * ```
 */
export async function fuzzFormat(options: FuzzOptions): Promise<FuzzReport> {
  const { format, seed, sandbox } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const report: FuzzReport = {
    format,
    seed,
    total: 0,
    rejected: 0,
    valid: 0,
    kinds: {},
    slowestMs: 0,
    largestAlloc: 0,
  };
  // the temp folder, home and cache default to folders in the sandbox, which must stay empty
  const redirected = ["TMPDIR", "HOME", "XDG_CACHE_HOME"] as const;
  const savedEnv = redirected.map((k) => Deno.env.get(k));
  try {
    for (const m of options.mutants) await fuzzOne(options, m, report, timeoutMs);
  } finally {
    redirected.forEach((k, i) => {
      const v = savedEnv[i];
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    });
  }
  await Deno.remove(sandbox, { recursive: true }).catch(() => {});
  return report;
}

const ENV_DIRS = { TMPDIR: "env/tmp", HOME: "env/home", XDG_CACHE_HOME: "env/xdg-cache" };

async function fuzzOne(
  options: FuzzOptions,
  m: Mutant,
  report: FuzzReport,
  timeoutMs: number,
): Promise<void> {
  const { format, seed, sandbox } = options;
  const where = `${format} fuzz, seed ${seed}, mutant #${m.index} (${m.kind})`;
  await Deno.remove(sandbox, { recursive: true }).catch(() => {});
  await Deno.mkdir(sandbox, { recursive: true });
  for (const [name, rel] of Object.entries(ENV_DIRS)) {
    await Deno.mkdir(path.join(sandbox, rel), { recursive: true });
    Deno.env.set(name, path.join(sandbox, rel));
  }
  for (const [rel, bytes] of Object.entries(options.companions ?? {})) {
    await Deno.mkdir(path.dirname(path.join(sandbox, rel)), { recursive: true });
    await Deno.writeFile(path.join(sandbox, rel), bytes);
  }
  const file = path.join(sandbox, options.file);
  await Deno.mkdir(path.dirname(file), { recursive: true });
  await writeMutant(file, m.bytes);
  const before = await snapshot(sandbox);

  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${where}: no answer within ${timeoutMs} ms (a hang?)`)),
      timeoutMs,
    );
  });
  const { result, largest } = await watchAllocations(
    ALLOC_LIMIT,
    // async, so that a reader that throws synchronously still ends up in `result`
    () => Promise.race([(async () => await options.read(file, sandbox))(), timeout]),
  );
  clearTimeout(timer);
  const ms = performance.now() - t0;
  report.slowestMs = Math.max(report.slowestMs, ms);
  report.largestAlloc = Math.max(report.largestAlloc, largest);
  assert.ok(ms < timeoutMs, `${where}: took ${ms.toFixed(0)} ms (bound ${timeoutMs} ms)`);

  const kind = m.kind.split("@")[0];
  const counts = (report.kinds[kind] ??= [0, 0]);
  report.total++;
  if (result.status === "fulfilled") {
    report.valid++;
    counts[1]++;
    if (VERBOSE) console.log(`#${m.index} ${m.kind}: accepted`);
    try {
      options.checkValid?.(result.value, m);
    } catch (e) {
      assert.fail(`${where}: accepted, but the result is wrong: ${(e as Error).message}`);
    }
  } else {
    const e = result.reason;
    if (!(e instanceof UserError)) {
      const text = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
      assert.fail(`${where}: not a bad-input error (exit code ${exitCodeFor(e)}): ${text}`);
    }
    report.rejected++;
    counts[0]++;
    const msg = e.message;
    if (VERBOSE) console.log(`#${m.index} ${m.kind}: ${e.name}: ${msg}`);
    assert.ok(!/[\n\r]/.test(msg), `${where}: message not one line: ${msg}`);
    assert.ok(
      ![...msg].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
      `${where}: control character in the message: ${JSON.stringify(msg)}`,
    );
    assert.ok(
      msg.length <= 600,
      `${where}: message of ${msg.length} chars: ${msg.slice(0, 600)}`,
    );
    const named = options.names?.(file, sandbox) ?? file;
    assert.ok(msg.includes(named), `${where}: message does not name ${named}: ${msg}`);
    const content = m.bytes instanceof Uint8Array ? new TextDecoder().decode(m.bytes) : "";
    for (const word of ["NaN", "undefined", "[object "]) {
      // a word the mutant itself holds may be quoted from it
      assert.ok(
        !msg.includes(word) || content.includes(word),
        `${where}: message has ${word}: ${msg}`,
      );
    }
  }
  const after = await snapshot(sandbox);
  const created = after.filter((p) => !before.includes(p));
  const allowed = options.mayWrite ?? [];
  const stray = created.filter((p) => !allowed.some((a) => p.startsWith(a)) || p.endsWith(".tmp"));
  assert.deepEqual(stray, [], `${where}: wrote outside its folder's cache, or left temp files`);
  const removed = before.filter((p) => !after.includes(p));
  assert.deepEqual(removed, [], `${where}: removed files`);
}

/**
 * One line summing a report up, e.g. `idx: 220 mutants, 205 rejected, 15 still valid (...)`.
 *
 * @example Usage
 * ```ts
 * import { summary } from "./_mutate.ts";
 * const line = summary({ format: "x", seed: 1, total: 2, rejected: 1, valid: 1,
 *   kinds: { empty: [1, 0], "flip-body": [0, 1] }, slowestMs: 3, largestAlloc: 10 });
 * if (!line.startsWith("x: 2 mutants, 1 rejected, 1 still valid")) throw new Error(line);
 * ```
 */
export function summary(r: FuzzReport): string {
  const kinds = Object.entries(r.kinds).map(([k, [bad, ok]]) => `${k} ${bad}/${ok}`).join(", ");
  return `${r.format}: ${r.total} mutants, ${r.rejected} rejected, ${r.valid} still valid ` +
    `(seed ${r.seed}; by kind rejected/valid: ${kinds}; slowest ${r.slowestMs.toFixed(0)} ms, ` +
    `largest typed array ${r.largestAlloc} bytes)`;
}

/** What a CLI subprocess did. */
export interface CliOutcome {
  code: number;
  stderr: string;
  stdout: string;
}

/**
 * Runs `deno run -A SCRIPT ARGS` from the repository root with a time bound, `HOME`, the cache
 * and `TMPDIR` pointed into `home` and downloads pointed at a closed port, and checks it ended
 * with exit code 2 and one line on stderr that contains `names`.
 *
 * @example Usage
 * ```ts ignore
 * await expectCliBadInput("export/eval_main.ts", ["m.onnx", "--dataset", "mnist"], home, "m.onnx");
 * ```
 */
export async function expectCliBadInput(
  script: string,
  args: string[],
  home: string,
  names: string,
  timeoutMs = 60_000,
): Promise<CliOutcome> {
  const root = new URL("../../", import.meta.url).pathname;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: {
      NO_COLOR: "1",
      HOME: home,
      XDG_CACHE_HOME: path.join(home, "cache"),
      TMPDIR: home,
      BNN_DATA_MIRROR: "http://127.0.0.1:9/",
    },
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const dec = new TextDecoder();
  const out = { code: r.code, stderr: dec.decode(r.stderr), stdout: dec.decode(r.stdout) };
  const what = `deno run -A ${script} ${args.join(" ")}`;
  assert.equal(out.code, 2, `${what}: exit code ${out.code}; stderr: ${out.stderr}`);
  const lines = out.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("note: "));
  assert.equal(lines.length, 1, `${what}: stderr is not one line: ${out.stderr}`);
  assert.ok(lines[0].includes(names), `${what}: stderr does not name ${names}: ${out.stderr}`);
  return out;
}
