/**
 * The options of `bnn export`'s data-driven steps (`--int8`, `--calibrate`; carried out by
 * {@linkcode ./deploy.ts}), the sidecar records they write, and the check of the options
 * against the network, kept apart from the steps so that a plain export loads neither ONNX
 * Runtime nor the datasets (it runs with `--allow-read --allow-write` alone).
 * @module
 */
import { ExportError } from "./export_error.ts";
import type { BuiltModel, FrozenNet } from "./onnx/graph.ts";
import { planInt8 } from "./onnx/int8_plan.ts";
import type { TemperatureFit } from "./temperature_scaling.ts";

/** How an int8 activation scale's clip is chosen (see ./activation_scales.ts). */
export type ScaleMethod = "minmax" | "percentile" | "mse";
/** The {@linkcode ScaleMethod}s. */
export const SCALE_METHODS: readonly ScaleMethod[] = ["minmax", "percentile", "mse"];

/** The chosen clip of one tensor, for the sidecar. */
export interface TensorScale {
  tensor: string;
  max: number;
  clip: number;
  scale: number;
}

/** What to do beyond the plain float export. */
export interface DeployOptions {
  int8?: boolean;
  /** K, the training batches the activation scales are calibrated on (default 10). */
  calibrationBatches?: number;
  activationScales?: ScaleMethod;
  calibrate?: boolean;
  dataDir?: string;
  /** Told each step as it starts (a plain line). */
  onStep?: (line: string) => void;
}

/** The sidecar's `quantization` record. */
export interface QuantizationRecord {
  scheme: "int8 static: QLinearConv, uint8 activations x int8 ±1 weights";
  activation_scales: ScaleMethod;
  calibration_batches: number;
  batch_size: number;
  calibration_seed: number;
  input: { scale: number; zero_point: number };
  tensors: TensorScale[];
}

/** The sidecar's `calibration` record. */
export interface CalibrationRecord extends TemperatureFit {
  method: "temperature scaling (Guo et al. 2017), NLL minimized on the validation split";
  split: "val";
}

/** A built model with what its deployment steps record. */
export interface DeployedModel extends BuiltModel {
  quantization?: QuantizationRecord;
  calibration?: CalibrationRecord;
}

/** The default K of `--calibration-batches`. */
export const DEFAULT_CALIBRATION_BATCHES = 10;

/**
 * Checks the options against the network before any data is loaded, so a bad input fails fast.
 *
 * @throws {ExportError} On a K < 1, an unknown scale method, or a spec the int8 scheme does not
 *   fit ({@linkcode planInt8}).
 * @example Usage
 * ```ts
 * import { checkDeployOptions } from "./deploy_options.ts";
 * import type { ModelSpec } from "../train/models/spec.ts";
 * const spec: ModelSpec = { architecture: "t", inputShape: [1, 1, 2], numClasses: 2,
 *   layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] };
 * try {
 *   checkDeployOptions(spec, { int8: true, calibrationBatches: 0 });
 *   throw new Error("accepted K = 0");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("--calibration-batches")) throw e;
 * }
 * ```
 */
export function checkDeployOptions(spec: FrozenNet["spec"], opts: DeployOptions): void {
  const k = opts.calibrationBatches;
  if (k !== undefined && !opts.int8) {
    throw new ExportError(
      "--calibration-batches needs --int8 (it sets the int8 activation scales)",
    );
  }
  if (k !== undefined && (!Number.isInteger(k) || k < 1)) {
    throw new ExportError(`--calibration-batches must be an integer ≥ 1: current value is ${k}`);
  }
  const m = opts.activationScales;
  if (m !== undefined && !SCALE_METHODS.includes(m)) {
    throw new ExportError(
      `--activation-scales must be ${SCALE_METHODS.join(", ")}: current value is ${
        JSON.stringify(m)
      }`,
    );
  }
  if (m !== undefined && !opts.int8) throw new ExportError("--activation-scales needs --int8");
  if (!opts.int8) return;
  try {
    planInt8(spec);
  } catch (e) {
    throw new ExportError((e as Error).message);
  }
}
