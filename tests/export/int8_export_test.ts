/**
 * `export --int8` and `export --calibrate` end to end, on a model this test trains (BayesBiNN,
 * MLP_CL, one epoch on 800 images: about 90 % test accuracy, so neither agreement nor
 * calibration is trivial) on the synthetic MNIST-format data of tests/_fixtures/synthetic_mnist.ts,
 * so it runs the same on a clone without ../shared:
 *
 * - the int8 export's predictions agree with the float export's on ≥ 99 % of 2000 test images;
 * - the float export without the flags is the same bytes as before them (no temperature node);
 * - the temperature fitted on the validation split lowers the NLL and ECE of the held-out
 *   test split, keeps every prediction, and the sidecar records it;
 * - every bad input of the issue ends with one line and exit code 2.
 */
import assert from "node:assert/strict";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { openClassifier, predictDataset } from "../../export/eval.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { NORMALIZATION } from "../../train/data/normalization.ts";
import { checkWithOnnx } from "./_helpers.ts";
import { runCliScript, syntheticRun } from "./_run.ts";

const DATA = await syntheticMnistDir();
const PERMS = ["-A"];
const N_TEST = 2000;

async function cli(script: string, args: string[]): Promise<string> {
  const r = await runCliScript(script, PERMS, args);
  if (r.code !== 0) throw new Error(`${script} ${args.join(" ")} → ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function predictions(file: string) {
  const m = await openClassifier(file, 2);
  try {
    const ds = await loadDataset("mnist", "test", { dataDir: DATA });
    const order = Uint32Array.from({ length: N_TEST }, (_, i) => i);
    return await predictDataset(m, ds, order, NORMALIZATION.mnist, 500, file);
  } finally {
    await m.session.release();
  }
}

function argmaxes(p: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < p.length; r += k) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[r + c] > p[r + best]) best = c;
    out.push(best);
  }
  return out;
}

async function evalJson(file: string) {
  const out = await cli("export/eval_main.ts", [
    file,
    ...["--data-dir", DATA, "--limit", String(N_TEST), "--svg", "", "--json"],
  ]);
  return JSON.parse(out);
}

Deno.test("export --int8 / --calibrate on a trained MLP: agreement, calibration, checker", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_int8_" });
  try {
    const run = `${dir}/run`;
    await cli("train/main.ts", [
      "bayesbinn",
      ...["--model-architecture", "MLP_CL", "--epochs", "1", "--limit-train", "800"],
      ...["--limit-test", "500", "--evaluate-steps", "0", "--data-dir", DATA, "--out", run],
    ]);
    await cli("export/main.ts", [run]);
    const plainBefore = await Deno.readFile(`${run}/model.onnx`);
    await cli("export/main.ts", [run, "--int8", "--data-dir", DATA]);
    await cli("export/main.ts", [run, "--int8", "--calibrate", "--data-dir", DATA]);
    await cli("export/main.ts", [run, "--calibrate", "--data-dir", DATA]);
    await cli("export/main.ts", [run]);
    assert.deepEqual(
      await Deno.readFile(`${run}/model.onnx`),
      plainBefore,
      "plain export unchanged",
    );

    const float = await predictions(`${run}/model.onnx`);
    const int8 = await predictions(`${run}/model_int8.onnx`);
    const a = argmaxes(float.probabilities, 10), b = argmaxes(int8.probabilities, 10);
    const agree = a.filter((v, i) => v === b[i]).length / a.length;
    const truth = [...float.labels];
    const acc = (p: number[]) => p.filter((v, i) => v === truth[i]).length / p.length;
    assert.ok(acc(a) > 0.5, `the run learned something: float accuracy ${acc(a)}`);
    assert.ok(agree >= 0.99, `int8 agrees with float on ${(100 * agree).toFixed(2)} % of images`);
    assert.ok(Math.abs(acc(a) - acc(b)) <= 0.01, `accuracy ${acc(a)} float vs ${acc(b)} int8`);

    for (
      const [plain, calibrated] of [["model", "model_calibrated"], [
        "model_int8",
        "model_int8_calibrated",
      ]]
    ) {
      const before = await evalJson(`${run}/${plain}.onnx`);
      const after = await evalJson(`${run}/${calibrated}.onnx`);
      assert.equal(after.accuracy, before.accuracy, `${calibrated}: temperature keeps predictions`);
      assert.ok(after.nll < before.nll, `${calibrated}: test NLL ${before.nll} → ${after.nll}`);
      assert.ok(after.ece < before.ece, `${calibrated}: test ECE ${before.ece} → ${after.ece}`);
      const side = JSON.parse(await Deno.readTextFile(`${run}/${calibrated}.onnx.json`));
      assert.ok(side.calibration.temperature > 0 && side.calibration.examples > 0);
      assert.ok(side.calibration.nll_after <= side.calibration.nll_before);
    }
    const side8 = JSON.parse(await Deno.readTextFile(`${run}/model_int8.onnx.json`));
    assert.equal(side8.quantization.calibration_batches, 10);
    assert.equal(side8.quantization.tensors.length, 2); // MLP_CL: two hidden blocks
    await checkWithOnnx(t, [
      `${run}/model_int8.onnx`,
      `${run}/model_int8_calibrated.onnx`,
      `${run}/model_calibrated.onnx`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export --int8 / --calibrate: each bad input is one line and exit code 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_int8_bad_" });
  try {
    const noVal = await syntheticRun(`${dir}/noval`, "bayesbinn", {
      model_architecture: "MLP_CL",
      validation_split: "0",
    });
    noVal.model.net.dispose();
    noVal.model.optimizer.dispose();
    const run = noVal.dir;
    const cases: [string[], RegExp][] = [
      [["--int8", "--calibration-batches", "0"], /--calibration-batches must be an integer ≥ 1/],
      [["--calibration-batches", "2"], /--calibration-batches needs --int8/],
      [["--int8", "--activation-scales", "median"], /--activation-scales must be/],
      [["--calibrate", "--data-dir", DATA], /--calibrate needs the run's validation split/],
    ];
    for (const [args, why] of cases) {
      const r = await runCliScript("export/main.ts", PERMS, [run, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], why);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
