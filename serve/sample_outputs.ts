/**
 * A `--samples K` export averages the softmax of K sampled networks inside its graph and outputs
 * only the mean (`export/onnx/_head.ts`). To show how far the K networks agree, `serve` gives the
 * page a copy of the model whose graph also outputs each network's probabilities: the same bytes
 * with K `ValueInfoProto`s appended to the graph's outputs (GraphProto field 12) and the graph
 * field (ModelProto field 7) given its new length. Nothing else changes, so `probabilities` is
 * computed exactly as from the file.
 * @module
 */
import { DataType, ProtoWriter } from "../export/onnx/proto.ts";
import { protoFields } from "./onnx_reader.ts";

/**
 * The model's bytes with `names` added to its graph outputs, each float32 `[N, classes]`.
 *
 * @param bytes The ONNX model.
 * @param names Tensors computed by the graph (e.g. `readOnnxFacts(bytes).sampleProbabilities`).
 * @param classes The class count (the outputs' second dimension).
 * @returns The new model's bytes (the input itself when `names` is empty).
 * @throws {RangeError} If the bytes are not a model with a graph.
 * @example Usage
 * ```ts
 * import { DataType, encodeModel } from "../export/onnx/proto.ts";
 * import { readOnnxFacts } from "./onnx_reader.ts";
 * import { withOutputs } from "./sample_outputs.ts";
 * const bytes = encodeModel({
 *   irVersion: 8, opsetVersion: 17, producerName: "bnn", producerVersion: "0.1.0",
 *   graphName: "g", initializers: [], metadata: { dataset: "mnist" },
 *   nodes: [
 *     { opType: "Neg", inputs: ["x"], outputs: ["a"] },
 *     { opType: "Neg", inputs: ["a"], outputs: ["y"] },
 *   ],
 *   inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["N", 2] }],
 *   outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 2] }],
 * });
 * const facts = readOnnxFacts(withOutputs(bytes, ["a"], 2));
 * if (facts.outputs.map((o) => o.name).join() !== "y,a" || facts.metadata.dataset !== "mnist") throw new Error();
 * ```
 */
export function withOutputs(bytes: Uint8Array, names: string[], classes: number): Uint8Array {
  if (names.length === 0) return bytes;
  const graph = protoFields(bytes).find((f) => f.field === 7 && f.value instanceof Uint8Array);
  if (!graph) throw new RangeError("Cannot add outputs to the ONNX model as it has no graph");
  const body = graph.value as Uint8Array;
  const added = outputsBytes(names, classes);
  const w = new ProtoWriter();
  w.tag(7, 2);
  w.varint(body.length + added.length);
  const head = w.finish();
  const parts = [bytes.subarray(0, graph.start), head, body, added, bytes.subarray(graph.end)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** GraphProto `output` fields (12) declaring `names` as float32 `[N, classes]`. */
function outputsBytes(names: string[], classes: number): Uint8Array {
  const w = new ProtoWriter();
  for (const name of names) {
    w.message(12, (v) => {
      v.string(1, name);
      v.message(2, (type) =>
        type.message(1, (tensor) => {
          tensor.int(1, DataType.FLOAT);
          tensor.message(2, (shape) => {
            shape.message(1, (dim) => dim.string(2, "N"));
            shape.message(1, (dim) => dim.int(1, classes));
          });
        }));
    });
  }
  return w.finish();
}
