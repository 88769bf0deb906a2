/**
 * One parity case: an architecture's BinaryNet (tfjs, eval mode, realistic BN state)
 * against its ONNX export run by ONNX Runtime, for weights from an optimizer's
 * `modeWeights()`, in packed and float form.
 * @module
 */
import assert from "node:assert/strict";
import { buildSpec, type BuildSpecOptions } from "../../train/models/architectures.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../train/optimizers/optimizer_kind.ts";
import { optimizerOptions } from "../_fixtures/optimizer_options.ts";
import { Rng } from "../../train/random.ts";
import { batchNormsFromState, freezeWeights } from "../../export/freeze.ts";
import { buildOnnxModel } from "../../export/onnx/graph.ts";
import { exportTotals } from "../../export/export_summary.ts";
import { encodeModel } from "../../export/onnx/proto.ts";
import {
  argmaxRows,
  calibratedNet,
  checkWithOnnx,
  maxAbsDiff,
  normals,
  ortRun,
  ready,
  tfjsLogits,
  toNchw,
} from "./_helpers.ts";

/** Sizes of the two exports of a case, in bytes. */
export interface ParitySizes {
  packed: number;
  float: number;
}

/**
 * Checks tfjs vs ORT (argmax identical, logits within 1e-4, probabilities within 1e-5)
 * and runs python3-onnx's checker on both files; returns the file sizes.
 */
export async function parityCase(
  t: Deno.TestContext,
  opts: BuildSpecOptions,
  kind: OptimizerKind,
  batch: number,
  seed: number,
): Promise<ParitySizes> {
  await ready();
  const spec = buildSpec(opts);
  const shapes = new BinaryNet(spec).binaryShapes;
  const opt = createOptimizer(
    kind,
    optimizerOptions(kind, { train_set_size: 1000 }),
    shapes,
    new Rng(seed, "optimizer"),
    [],
  );
  const [weights] = freezeWeights(opt);
  opt.dispose();
  const rng = new Rng(seed, "parity");
  const net = calibratedNet(spec, weights, rng, Math.max(16, batch));
  const [h, w, c] = spec.inputShape;
  const x = normals(batch * h * w * c, rng);
  const expected = tfjsLogits(net, weights, x, batch);
  const frozen = {
    spec,
    weightSets: [weights],
    batchNorms: batchNormsFromState(spec, net.getState()),
  };
  net.dispose();
  const dir = await Deno.makeTempDir({ prefix: "bnn_parity_" });
  const sizes: Record<string, number> = {};
  try {
    const paths: string[] = [];
    for (const format of ["packed", "float"] as const) {
      const built = buildOnnxModel(frozen, { weights: format });
      const bytes = encodeModel(built.model);
      sizes[format] = bytes.length;
      if (format === "packed") {
        // a packed file is its theoretical 1-bit size plus a small fixed graph overhead
        const { theoreticalBytes } = exportTotals(built.layers, bytes.length);
        assert.ok(
          bytes.length <= theoreticalBytes + 8192,
          `packed ${bytes.length} B vs theoretical ${theoreticalBytes} B`,
        );
      }
      const p = `${dir}/${format}.onnx`;
      await Deno.writeFile(p, bytes);
      paths.push(p);
      const got = await ortRun(p, toNchw(x, batch, h, w, c), [batch, c, h, w]);
      const k = spec.numClasses;
      const what = `${spec.architecture}/${kind}/${format}`;
      assert.deepEqual(argmaxRows(got.logits, k), argmaxRows(expected, k), `${what}: argmax`);
      const d = maxAbsDiff(got.logits, expected);
      assert.ok(d <= 1e-4, `${what}: max |logit diff| ${d} > 1e-4`);
      const scale = Math.max(...expected.map(Math.abs));
      assert.ok(scale > 0.1, `${what}: logits are degenerate (max |logit| ${scale})`);
      for (let r = 0; r < batch; r++) {
        const s = got.probabilities.subarray(r * k, (r + 1) * k).reduce((a, v) => a + v, 0);
        assert.ok(Math.abs(s - 1) < 1e-5, `${what}: probabilities sum to ${s}`);
      }
    }
    await checkWithOnnx(t, paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return { packed: sizes.packed, float: sizes.float };
}
