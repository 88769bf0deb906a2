/**
 * The JSON sidecar `<model>.onnx.json` that `export` writes beside every model: what the model
 * is, where it came from and how its input must be prepared. Its own module, so that readers
 * (eval, serve, the int8 summary) need not import the exporter.
 * @module
 */
import type { Normalization } from "../train/data/normalization.ts";
import type { DatasetRecord } from "../train/data/run_data.ts";
import type { ModelSpec } from "../train/models/spec.ts";
import type { CalibrationRecord, QuantizationRecord } from "./deploy_options.ts";
import type { ExportTotals } from "./export_summary.ts";
import type { ExportLayerSummary, WeightFormat } from "./onnx/graph.ts";

/** The JSON sidecar `<model>.onnx.json`. */
export interface ExportSidecar {
  format: "bnn-onnx-sidecar";
  version: 1;
  created: string;
  producer: { name: "bnn"; version: string };
  onnx: { opset: number; ir_version: number; file: string; bytes: number };
  architecture: string;
  dataset: string | null;
  /** Per-channel constants the `image` input must be normalized with. */
  normalization: Normalization | null;
  /**
   * A custom dataset's record: its name, class names in label order, normalization and the
   * checksums of its files (`test.sha256`, which eval compares); null for a built-in one.
   */
  dataset_record?: DatasetRecord | null;
  input: {
    name: "image";
    layout: "NCHW";
    dtype: "float32";
    shape: (number | string)[];
    description: string;
  };
  outputs: { name: string; shape: (number | string)[]; description: string }[];
  weights: {
    format: WeightFormat;
    source: "mode" | "samples";
    samples: number;
    seed: number | null;
  };
  run_dir: string | null;
  checkpoint: { path: string; epochs_done: number | null; best_epoch: number | null } | null;
  /** tfjs test accuracy of the checkpointed weights (last epoch in the checkpoint's history). */
  tfjs_test_accuracy: number | null;
  /** The run's `summary.json` selection, when present. */
  run_summary: Record<string, unknown> | null;
  config: Record<string, unknown> | null;
  spec: ModelSpec;
  /** `--int8`: how the activations were quantized ({@linkcode ./deploy.ts}). */
  quantization?: QuantizationRecord;
  /** `--calibrate`: the temperature and the validation NLL/ECE before and after. */
  calibration?: CalibrationRecord;
  summary: { layers: ExportLayerSummary[] } & ExportTotals;
}
