/**
 * The model the serve tests run: a tiny BayesBiNN training (the continual-learning MLP,
 * 784-100-100-10, one epoch on 600 images, τ = 1 so that posterior samples differ) on MNIST —
 * the real files when `../shared/data` has them, else the synthetic stand-in — exported as the
 * mode (`model.onnx`) and as 4 posterior samples (`model_samples4.onnx`), once per test process,
 * by the `train` and `export` CLIs themselves.
 * @module
 */
import path from "node:path";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

/** Where the trained run and its exports are. */
export interface ServeFixture {
  /** The run folder (holds model.onnx and model_samples4.onnx with their sidecars). */
  runDir: string;
  /** The data folder the run was trained on (real MNIST or the stand-in). */
  dataDir: string;
  /** Whether that is the real MNIST. */
  real: boolean;
}

/** The project root. */
export const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);

/** Runs a bnn CLI (`deno run -A SCRIPT ARGS`) and fails with its stderr if it fails. */
export async function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/${script}`, ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(r.stderr);
  if (r.code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${r.code}: ${stderr}`);
  return new TextDecoder().decode(r.stdout);
}

let made: Promise<ServeFixture> | undefined;

/**
 * The trained and exported run, made on the first call (about 10 s) and removed at exit.
 *
 * @example Usage
 * ```ts ignore
 * import { serveFixture } from "./_model.ts";
 * const { runDir } = await serveFixture(); // runDir/model.onnx, runDir/model_samples4.onnx
 * ```
 */
export function serveFixture(): Promise<ServeFixture> {
  made ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-serve-test-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const dataDir = await mnistDataDir();
    const runDir = path.join(dir, "run");
    await runScript("train/main.ts", [
      "bayesbinn",
      "--model-architecture",
      "MLP_CL",
      "--epochs",
      "1",
      "--temperature",
      "1",
      "--limit-train",
      "600",
      "--limit-test",
      "100",
      "--data-dir",
      dataDir,
      "--out",
      runDir,
    ]);
    await runScript("export/main.ts", [runDir]);
    await runScript("export/main.ts", [runDir, "--samples", "4"]);
    return { runDir, dataDir, real: !dataDir.includes("bnn-synthetic-mnist-") };
  })();
  return made;
}
