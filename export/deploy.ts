/**
 * The deployment steps of `bnn export` that need data: `--int8` (static quantization,
 * {@linkcode ./onnx/int8_graph.ts}, activation scales from {@linkcode ./activation_scales.ts} on
 * K seeded training batches) and `--calibrate` (a temperature fitted on the run's validation
 * split, {@linkcode ./temperature_scaling.ts}, divided into the graph,
 * {@linkcode ./onnx/temperature.ts}). The temperature is fitted on the logits of the very model
 * being written (the int8 one with `--int8`), run through ONNX Runtime. Both steps re-derive the
 * run's data split from its config ({@linkcode ./calibration_data.ts}); the calibration batches
 * are drawn with `new Rng(seed, "int8-calibration")`, so the same run, seed and K give the same
 * bytes. The model's `metadata_props` gain `quantization: int8` and `temperature: T`.
 * @module
 */
import { ort } from "./ort.ts";
import { ortSessionOptions } from "./session_options.ts";
import type { Normalization } from "../train/data/normalization.ts";
import { normalizationTable } from "../train/data/normalization.ts";
import { calibrateActivations } from "./activation_scales.ts";
import { type RunSplits, runSplits, seededSample } from "./calibration_data.ts";
import { fillNchw, type OnnxClassifier, predictDataset } from "./eval.ts";
import { ExportError } from "./export_error.ts";
import {
  buildOnnxModel,
  type BuildOptions,
  type BuiltModel,
  type FrozenNet,
} from "./onnx/graph.ts";
import { buildInt8Model } from "./onnx/int8_graph.ts";
import { encodeModel, type ModelDef } from "./onnx/proto.ts";
import { withTemperature } from "./onnx/temperature.ts";
import { fitTemperature } from "./temperature_scaling.ts";
import {
  checkDeployOptions,
  DEFAULT_CALIBRATION_BATCHES,
  type DeployedModel,
  type DeployOptions,
} from "./deploy_options.ts";

/** Normalized NCHW batches of examples `order`, `batchSize` at a time, as ORT tensors. */
function batchesOf(s: RunSplits, order: Uint32Array, batchSize: number, norm: Normalization) {
  const { height: H, width: W, channels: C } = s.dataset;
  const table = normalizationTable(norm);
  const out: ort.Tensor[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const b = Math.min(batchSize, order.length - start);
    const x = fillNchw(s.dataset, order, start, b, table, new Float32Array(b * C * H * W));
    out.push(new ort.Tensor("float32", x, [b, C, H, W]));
  }
  return out;
}

async function quantize(
  net: FrozenNet,
  build: BuildOptions,
  s: RunSplits,
  run: RunInfo,
  opts: DeployOptions,
): Promise<DeployedModel> {
  const k = opts.calibrationBatches ?? DEFAULT_CALIBRATION_BATCHES;
  const method = opts.activationScales ?? "percentile";
  const order = seededSample(s.train, k, run.batchSize, run.seed, "int8-calibration");
  opts.onStep?.(
    `int8: calibrating activation scales (${method}) on ${k} seeded training batches (${order.length} images)`,
  );
  const batches = batchesOf(s, order, run.batchSize, run.norm);
  const { scales, tensors } = await calibrateActivations(net, batches, run.norm, method);
  let built: BuiltModel;
  try {
    const metadata = { ...build.metadata, quantization: "int8" };
    built = buildInt8Model(net, { ...build, metadata, scales });
  } catch (e) {
    throw new ExportError((e as Error).message);
  }
  return {
    ...built,
    quantization: {
      scheme: "int8 static: QLinearConv, uint8 activations x int8 ±1 weights",
      activation_scales: method,
      calibration_batches: k,
      batch_size: run.batchSize,
      calibration_seed: run.seed,
      input: { scale: scales.input.scale, zero_point: scales.input.zeroPoint },
      tensors,
    },
  };
}

/** The logits of `model` on the validation split, through ONNX Runtime. */
async function validationLogits(model: ModelDef, s: RunSplits, run: RunInfo) {
  const session = await ort.InferenceSession.create(encodeModel(model), ortSessionOptions());
  try {
    const { height: H, width: W, channels: C, numClasses } = s.dataset;
    const m: OnnxClassifier = {
      session,
      inputName: "image",
      inputShape: [C, H, W],
      numClasses,
      probsName: "probabilities",
      logitsName: "logits",
    };
    const p = await predictDataset(m, s.dataset, s.val!, run.norm, 500, "the exported model");
    return { logits: p.logits!, labels: p.labels, k: numClasses };
  } finally {
    await session.release();
  }
}

/** What the deployment steps need to know about the run. */
export interface RunInfo {
  config: Record<string, unknown>;
  norm: Normalization;
  seed: number;
  batchSize: number;
}

/**
 * Builds the model to export with the steps `opts` asks for (see the module doc).
 *
 * @throws {ExportError} On options or a network the steps do not fit, or `calibrate` on a run
 *   without a validation split.
 * @throws {DataError} If the run's dataset cannot be loaded.
 * @example Usage
 * ```ts ignore
 * import { buildDeployed } from "./deploy.ts";
 * const m = await buildDeployed(net, {}, run, { int8: true, calibrate: true, dataDir: "data" });
 * console.log(m.calibration?.temperature, m.quantization?.tensors);
 * ```
 */
export async function buildDeployed(
  net: FrozenNet,
  build: BuildOptions,
  run: RunInfo,
  opts: DeployOptions,
): Promise<DeployedModel> {
  checkDeployOptions(net.spec, opts);
  const splits = await runSplits(run.config, net.spec.inputShape, opts.dataDir);
  if (opts.calibrate && splits.val === null) {
    throw new ExportError(
      "--calibrate needs the run's validation split to fit the temperature on, and this run had none (validation_split = 0)",
    );
  }
  const deployed: DeployedModel = opts.int8
    ? await quantize(net, build, splits, run, opts)
    : buildOnnxModel(net, build);
  if (!opts.calibrate) return deployed;
  opts.onStep?.(`calibrate: fitting the temperature on ${splits.val!.length} validation images`);
  const v = await validationLogits(deployed.model, splits, run);
  const fit = fitTemperature(v.logits, v.labels, v.k);
  return {
    ...deployed,
    model: {
      ...withTemperature(deployed.model, fit.temperature),
      metadata: { ...deployed.model.metadata, temperature: String(fit.temperature) },
    },
    calibration: {
      method: "temperature scaling (Guo et al. 2017), NLL minimized on the validation split",
      split: "val",
      ...fit,
    },
  };
}
