/**
 * Kill anywhere, lose nothing: `train` and `export` are SIGKILLed at seeded random moments, and
 * after each kill every file they write is absent or complete and valid; the killed run then
 * finishes bit for bit as the run that was never interrupted.
 *
 * `train`: a tiny run (STE, the 784-100-100-10 MLP, 540 training images in batches of 10, 2 epochs,
 * `last.ckpt` at the start and every 2 steps, `best.ckpt` at a new best: 56 checkpoint writes; 4
 * evaluations, of 60 validation and 10,000 test images) is run once uninterrupted, through
 * tests/train/_traced.ts, which records when each phase happens. Twenty kill moments are then drawn
 * from a seeded generator over that measured run, five in each phase: start-up (from the spawn to
 * training: Deno, tfjs, data, lock), training steps, checkpoint writes (from the temp file's
 * creation to its rename) and evaluation; start-up moments count from the spawn, the others from
 * the line `run folder:` printed just before training (so the start-up's jitter does not blur
 * them). A moment the process outlives (a loaded machine) is moved earlier. Each killed run is
 * traced too, which tells the phase the kill actually hit. After each kill the run folder is
 * checked (see inspectRunFolder in ./_run_folder.ts: config, metrics lines, summary, curves,
 * checkpoints with their checksums, only the killed process's temp files and lock), then continued
 * — `--resume` when it has a checkpoint, else the same command again (nothing was saved to resume)
 * — and compared with the uninterrupted run: every checkpoint array and metadata, metrics.jsonl and
 * summary.json timing aside, config.json and curves.svg byte for byte, no temp file and no lock
 * left.
 *
 * `export`: the uninterrupted run is exported once (traced), then five exports are killed at seeded
 * moments, two in start-up (from the spawn) and three in the writes of model.onnx and its sidecar
 * (from the checkpoint read, which the traced export marks on stdout); after each the output folder
 * holds nothing, or a model.onnx byte-identical to the reference export, with or without its
 * sidecar (a sidecar never without its model), plus at most the killed process's temp files; a
 * second export then writes the same bytes and removes those temp files.
 *
 * Measured on the 2-core development machine (other work running, load ≈ 1.8), six runs: the
 * uninterrupted run takes 0.93 s from the spawn — start-up 0.18 s, training 0.75 s, of which 56
 * checkpoint writes take 0.16 s and 4 evaluations 0.19 s. Of the 20 kills, start-up was hit 2–5
 * times, training steps 6–8, a checkpoint write 2–6 (leaving its temp file, or between the rename
 * and the next step), evaluation 4–6; 4–6 kills left no checkpoint (started again, with the stale
 * lock taken over), the others resumed from the step-0, a mid-epoch or an epoch-end checkpoint; all
 * 20 finished bit-identical, every time. Export: the reference takes ≈ 0.35 s; of the three kills
 * aimed at the writes 0–2 land inside them (leaving temp files only), the others just before or
 * after (nothing, or the whole pair). The test file takes 34–46 s.
 *
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { parseTempName } from "../../train/temp_files.ts";
import { generator } from "../_fixtures/seeded_random.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { assertSameRun, denoCommand, inspectRunFolder, listFiles, runDeno } from "./_run_folder.ts";

const DATA_DIR = await syntheticMnistDir();
const TRACED = "tests/train/_traced.ts";

/** The run under test; `--out` is added. */
const trainArgs = (limitTest = 10000) => [
  "ste",
  "--model-architecture",
  "MLP_CL",
  "--epochs",
  "2",
  "--limit-train",
  "600",
  "--limit-test",
  String(limitTest),
  "--batch-size",
  "10",
  "--checkpoint-every",
  "2",
  "--data-dir",
  DATA_DIR,
  "--backend",
  "wasm",
];
const TRAIN_ARGS = trainArgs();

/** Now, on the clock of the traces (Unix epoch ms). */
const now = () => performance.timeOrigin + performance.now();

/** A trace of tests/train/_traced.ts: `[time, event, file?]` rows. */
async function readTrace(file: string): Promise<[number, string, string | undefined][]> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").filter((l) => /^\d/.test(l)).map((l) => {
    const [t, ev, f] = l.split(" ");
    return [Number(t), ev!, f];
  });
}

/** The phase a trace ends in: what the process was doing when it was killed. */
function phaseAtEnd(trace: [number, string, string | undefined][]): string {
  let phase = "start-up";
  const writing = new Set<string>();
  let inEval = false;
  for (const [, ev, f] of trace) {
    if (ev === "read") phase = "checkpoint load and model build";
    if (ev === "write-" && phase.startsWith("checkpoint load")) phase = "after the writes";
    if (ev === "fit+") phase = "training steps";
    if (ev === "fit-") phase = "shutdown";
    if (ev === "eval+") inEval = true;
    if (ev === "eval-") inEval = false;
    if (ev === "write+") writing.add(f!);
    if (ev === "write-") writing.delete(f!);
  }
  if (writing.size > 0) {
    const f = [...writing][0]!;
    return f.endsWith(".ckpt") ? "checkpoint write" : `write of ${f}`;
  }
  return inEval ? "evaluation" : phase;
}

/** Time windows `[from, to]` in ms. */
type Windows = [number, number][];

/** A moment inside `windows`, uniform over their total length. */
function pick(windows: Windows, rand: () => number): number {
  const total = windows.reduce((s, [a, b]) => s + (b - a), 0);
  let x = rand() * total;
  for (const [a, b] of windows) {
    if (x <= b - a) return a + x;
    x -= b - a;
  }
  return windows.at(-1)![1];
}

/** The parts of `[from, to]` outside `holes`. */
function outside(from: number, to: number, holes: Windows): Windows {
  const out: Windows = [];
  let at = from;
  for (const [a, b] of [...holes].sort((x, y) => x[0] - y[0])) {
    if (a > at) out.push([at, Math.min(a, to)]);
    at = Math.max(at, b);
  }
  if (at < to) out.push([at, to]);
  return out;
}

/**
 * Spawns `script args`, kills it `delay` ms after the spawn (`from: "spawn"`) or after its stdout
 * shows `marker`; returns whether the kill came before it ended on its own.
 */
async function spawnAndKill(
  args: string[],
  when: { from: "spawn" | "marker"; delay: number },
  marker = "run folder: ",
): Promise<{ pid: number; killed: boolean; stderr: string }> {
  const child = denoCommand(TRACED, args).spawn();
  const dec = new TextDecoder();
  let seen = "";
  let markerAt: (t: number) => void = () => {};
  const markerSeen = new Promise<number>((r) => (markerAt = r));
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      seen += dec.decode(chunk);
      if (seen.includes(marker)) markerAt(now());
    }
  })();
  const errText = new Response(child.stderr).text();
  const ended = child.status.then(() => "ended" as const);
  const start = when.from === "spawn"
    ? Promise.resolve(now())
    : Promise.race([markerSeen, ended.then(() => null)]);
  const t0 = await start;
  if (t0 !== null) {
    const wait = Math.max(0, t0 + when.delay - now());
    const timer = new Promise<"timer">((r) => setTimeout(() => r("timer"), wait));
    if ((await Promise.race([timer, ended])) === "timer") {
      try {
        child.kill("SIGKILL");
      } catch { /* ended meanwhile */ }
    }
  }
  const status = await child.status;
  await reading;
  return { pid: child.pid, killed: status.signal === "SIGKILL", stderr: await errText };
}

/**
 * {@linkcode spawnAndKill} at `when`; when the process ended first (a loaded machine runs the
 * parent late), again with half the delay, three times, then 50 ms after the spawn. `reset`
 * clears the output before each try; `moved` says how the moment moved, if it did.
 */
async function killEarlierIfMissed(
  args: string[],
  when: { from: "spawn" | "marker"; delay: number },
  marker: string,
  reset: () => Promise<unknown>,
): Promise<{ pid: number; killed: boolean; stderr: string; moved: string }> {
  const tries = [1, 0.5, 0.25, 0.125].map((f) => ({ ...when, delay: when.delay * f }));
  tries.push({ from: "spawn", delay: 50 });
  let k = { pid: 0, killed: false, stderr: "" };
  for (const [n, w] of tries.entries()) {
    await reset();
    k = await spawnAndKill(args, w, marker);
    if (k.killed) {
      const moved = n === 0
        ? ""
        : `; it ended first, so moved to +${w.delay.toFixed(0)} ms after the ${w.from}`;
      return { ...k, moved };
    }
  }
  return { ...k, moved: "" };
}

Deno.test("train SIGKILLed at 20 seeded moments leaves only whole files and resumes bit for bit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-kill-" });
  try {
    // the uninterrupted reference, traced
    const ref = `${dir}/reference`;
    const spawnAt = now();
    const refRun = await spawnAndKill(
      [`${dir}/reference.trace`, "train", ...TRAIN_ARGS, "--out", ref],
      { from: "spawn", delay: 60_000 },
    );
    assert.ok(!refRun.killed, refRun.stderr);
    const trace = await readTrace(`${dir}/reference.trace`);
    const at = (ev: string) => trace.find(([, e]) => e === ev)![0];
    const fitFrom = at("fit+"), fitTo = at("fit-");
    const spans = (open: string, close: string, only?: (f: string) => boolean): Windows => {
      const out: Windows = [];
      let from: number | null = null;
      for (const [t, ev, f] of trace) {
        if (only && f !== undefined && !only(f)) continue;
        if (ev === open) from = t;
        if (ev === close && from !== null) out.push([from - fitFrom, t - fitFrom]), from = null;
      }
      return out;
    };
    const writes = spans("write+", "write-", (f) => f.endsWith(".ckpt"));
    const evals = spans("eval+", "eval-");
    const phases: Record<string, { from: "spawn" | "marker"; windows: Windows }> = {
      "start-up": { from: "spawn", windows: [[0, fitFrom - spawnAt]] },
      "training steps": {
        from: "marker",
        windows: outside(0, fitTo - fitFrom, [...writes, ...evals]),
      },
      "checkpoint write": { from: "marker", windows: writes },
      "evaluation": { from: "marker", windows: evals },
    };
    const total = (w: Windows) => w.reduce((t, [a, b]) => t + b - a, 0).toFixed(0);
    console.log(
      `reference: ${(at("exit") - spawnAt).toFixed(0)} ms from the spawn; start-up ${
        (fitFrom - spawnAt).toFixed(0)
      } ms, training ${
        (fitTo - fitFrom).toFixed(0)
      } ms of which ${writes.length} checkpoint writes ${
        total(writes)
      } ms and ${evals.length} evaluations ${total(evals)} ms`,
    );
    const names = Object.keys(phases);
    const rand = generator(20240808);
    const hit: Record<string, number> = {};
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const aim = names[i % names.length]!;
      const out = `${dir}/kill-${i}`;
      const delay = pick(phases[aim]!.windows, rand);
      const k = await killEarlierIfMissed(
        [`${out}.trace`, "train", ...TRAIN_ARGS, "--out", out],
        { from: phases[aim]!.from, delay },
        "run folder: ",
        () => Deno.remove(out, { recursive: true }).catch(() => {}),
      );
      assert.ok(k.killed, `kill ${i}: the run always ended first (${k.stderr})`);
      const phase = phaseAtEnd(await readTrace(`${out}.trace`));
      hit[phase] = (hit[phase] ?? 0) + 1;
      const state = await inspectRunFolder(out, k.pid, "ste");
      const resume = state.last !== null;
      const r = await runDeno(
        "train/main.ts",
        resume ? ["ste", "--resume", out] : [...TRAIN_ARGS, "--out", out],
      );
      assert.equal(r.code, 0, `kill ${i} (${phase}): ${r.stderr}`);
      // killed mid-run it resumes at a step; killed after the last epoch's checkpoint (while the
      // run folder was being completed) it completes the folder
      if (resume) {
        assert.match(
          r.stdout,
          /resuming .* (at epoch \d, step \d+|after its last epoch \(epoch \d\): completing the run folder)/,
        );
      }
      await assertSameRun(out, ref);
      outcomes.push(
        `kill ${i}: aimed at ${aim} (+${delay.toFixed(0)} ms${k.moved}), hit ${phase}; left ${
          state.files.join(", ") || "nothing"
        }${state.temps.length ? ` + temp ${state.temps.join(", ")}` : ""}${
          state.lock ? " + lock" : ""
        }; ${
          resume ? `resumed from epoch ${state.last!.epoch + 1} step ${state.last!.step}` : "rerun"
        }`,
      );
    }
    console.log(outcomes.join("\n"));
    console.log(`phases hit: ${JSON.stringify(hit)}`);
    // the kills reached both the start-up and the training
    assert.ok(hit["start-up"]! > 0, JSON.stringify(hit));
    assert.ok(20 - (hit["start-up"] ?? 0) - (hit["shutdown"] ?? 0) > 0, JSON.stringify(hit));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export SIGKILLed at 5 seeded moments leaves no torn or mismatched model and sidecar", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-kill-export-" });
  try {
    const run = `${dir}/run`;
    const r = await runDeno("train/main.ts", [...trainArgs(200), "--out", run]);
    assert.equal(r.code, 0, r.stderr);
    const refOut = `${dir}/reference/model.onnx`;
    const spawnAt = now();
    const ref = await spawnAndKill(
      [`${dir}/reference.trace`, "export", run, "--out", refOut],
      { from: "spawn", delay: 60_000 },
    );
    assert.ok(!ref.killed, ref.stderr);
    const trace = await readTrace(`${dir}/reference.trace`);
    const read = trace.find(([, e]) => e === "read")![0];
    const firstWrite = trace.find(([, e]) => e === "write+")![0] - read;
    const lastWrite = trace.findLast(([, e]) => e === "write-")![0] - read;
    const model = await Deno.readFile(refOut);
    const sidecar = JSON.parse(await Deno.readTextFile(`${refOut}.json`));
    const rand = generator(8);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = `${dir}/export-${i}/model.onnx`;
      // two in the start-up (from the spawn), three during the writes (from the checkpoint read)
      const from = i < 2 ? "spawn" : "marker";
      const windows: Windows = i < 2 ? [[0, read - spawnAt]] : [[firstWrite, lastWrite]];
      const k = await killEarlierIfMissed(
        [`${dir}/export-${i}.trace`, "export", run, "--out", out],
        { from, delay: pick(windows, rand) },
        "traced: read ",
        () => Deno.remove(path.dirname(out), { recursive: true }).catch(() => {}),
      );
      assert.ok(k.killed, `export kill ${i}: the export always ended first`);
      const phase = phaseAtEnd(await readTrace(`${dir}/export-${i}.trace`));
      const files = await listFiles(path.dirname(out));
      const temps = files.filter((f) => parseTempName(f) !== null);
      for (const t of temps) assert.equal(parseTempName(t)!.pid, k.pid, t);
      const kept = files.filter((f) => parseTempName(f) === null);
      assert.ok(
        ["", "model.onnx", "model.onnx,model.onnx.json"].includes(kept.join()),
        `export kill ${i}: ${kept}`,
      );
      if (kept.includes("model.onnx")) assert.deepEqual(await Deno.readFile(out), model);
      if (kept.includes("model.onnx.json")) {
        const s = JSON.parse(await Deno.readTextFile(`${out}.json`));
        assert.equal(s.onnx.bytes, model.length);
        assert.deepEqual({ ...s, created: 0 }, { ...sidecar, created: 0 });
      }
      const again = await runDeno("export/main.ts", [run, "--out", out]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await listFiles(path.dirname(out)), ["model.onnx", "model.onnx.json"]);
      assert.deepEqual(await Deno.readFile(out), model);
      outcomes.push(
        `export kill ${i}${k.moved}: hit ${phase}; left ${kept.join(", ") || "nothing"}${
          temps.length ? ` + temp ${temps.join(", ")}` : ""
        }`,
      );
    }
    console.log(outcomes.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--resume of a run folder with config.json and no checkpoint (or the reverse) finishes the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-kill-" });
  try {
    const ref = `${dir}/reference`;
    const r = await runDeno("train/main.ts", [...trainArgs(200), "--out", ref]);
    assert.equal(r.code, 0, r.stderr);
    // a folder killed before its first checkpoint by an older bnn: config.json alone
    const configOnly = `${dir}/config-only`;
    await Deno.mkdir(`${configOnly}/checkpoints`, { recursive: true });
    await Deno.copyFile(`${ref}/config.json`, `${configOnly}/config.json`);
    const a = await runDeno("train/main.ts", [
      "ste",
      "--resume",
      configOnly,
      "--data-dir",
      DATA_DIR,
      "--backend",
      "wasm",
      "--checkpoint-every",
      "2",
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /note: .*config-only has no checkpoint yet: starting it from step 0/);
    // the same run; only the config file's name is unknown ("resumed")
    await assertSameRun(configOnly, ref, ["config_name"]);
    // a folder killed between its first checkpoint and config.json: the checkpoint's config
    const ckptOnly = `${dir}/ckpt-only`;
    await Deno.mkdir(`${ckptOnly}/checkpoints`, { recursive: true });
    for (const c of ["last.ckpt", "best.ckpt"]) {
      await Deno.copyFile(`${ref}/checkpoints/${c}`, `${ckptOnly}/checkpoints/${c}`);
    }
    const b = await runDeno("train/main.ts", ["ste", "--resume", ckptOnly]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /after its last epoch \(epoch 2\): completing the run folder/);
    await assertSameRun(ckptOnly, ref);
    // nothing to resume: one line, exit 2, and the way out
    await Deno.mkdir(`${dir}/empty/checkpoints`, { recursive: true });
    const c = await runDeno("train/main.ts", ["ste", "--resume", `${dir}/empty`]);
    assert.equal(c.code, 2);
    assert.match(
      c.stderr,
      /^error: checkpoint .*empty\/checkpoints\/last\.ckpt does not exist, nor .*empty\/config\.json: nothing to resume \(start the run again with --out .*empty\)\n$/,
    );
    assert.deepEqual(await listFiles(`${dir}/empty`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
