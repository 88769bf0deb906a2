/**
 * What `serve` reads from an ONNX file's bytes, with a minimal protobuf reader (the exporter's
 * writer, `export/onnx/proto.ts`, has no reader): the `metadata_props` bnn's export writes
 * (`architecture`, `dataset`, `normalization`, `weight_sets`, …), the graph's inputs with their
 * shapes, its outputs, and the per-sample probability tensors of a `--samples K` export.
 *
 * Wire format: each field is a varint tag `(field << 3) | wireType`, then a varint (type 0),
 * 8 bytes (type 1), a varint length and that many bytes (type 2) or 4 bytes (type 5). Field
 * numbers from `onnx/onnx.proto`: ModelProto graph 7, metadata_props 14; GraphProto node 1,
 * input 11, output 12; NodeProto input 1, output 2, op_type 4; ValueInfoProto name 1, type 2;
 * TypeProto tensor_type 1; Tensor elem_type 1, shape 2; Shape dim 1; Dimension dim_value 1,
 * dim_param 2; StringStringEntryProto key 1, value 2.
 *
 * A K-sample export computes `probabilities = Div(Sum(p_1 … p_K), K)` with `p_k` the softmax of
 * sample k's logits (`export/onnx/_head.ts`); {@linkcode readOnnxFacts} finds the `p_k` as the
 * inputs of the `Sum` node that feeds the `Div` giving `probabilities`.
 * @module
 */

/**
 * One protobuf field: its number, wire type, value (a number, or the bytes of types 1, 2 and 5)
 * and where it lies in the message, from its tag to its end.
 */
export interface ProtoField {
  field: number;
  wireType: number;
  value: number | Uint8Array;
  start: number;
  end: number;
}

/** A graph input or output: its name, element type (1 = float32) and dims (sizes or names). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string)[];
}

/** What {@linkcode readOnnxFacts} finds in a model. */
export interface OnnxFacts {
  /** `metadata_props` as key → value. */
  metadata: Record<string, string>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** The K per-sample probability tensors of a K-sample export, in order; [] otherwise. */
  sampleProbabilities: string[];
}

const TEXT = new TextDecoder("utf-8", { fatal: false });

/** Reads a varint at `pos`; returns the value and the position after it. */
function varint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new RangeError("Cannot read protobuf as a varint is cut off");
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new RangeError("Cannot read protobuf as a varint is longer than 10 bytes");
}

/**
 * The fields of one protobuf message, in order (nested messages stay bytes).
 *
 * @param bytes The message.
 * @returns Its fields.
 * @throws {RangeError} If the bytes are not a well-formed message.
 * @example Usage
 * ```ts
 * import { protoFields } from "./onnx_reader.ts";
 * const f = protoFields(new Uint8Array([8, 150, 1, 18, 2, 104, 105])); // 1: 150, 2: "hi"
 * if (f[0].value !== 150 || (f[1].value as Uint8Array).length !== 2) throw new Error();
 * ```
 */
export function protoFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = varint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    pos = afterTag;
    let value: number | Uint8Array;
    if (wireType === 0) [value, pos] = varint(bytes, pos);
    else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (pos + n > bytes.length) {
        throw new RangeError("Cannot read protobuf as a field is cut off");
      }
      value = bytes.subarray(pos, pos + n);
      pos += n;
    } else if (wireType === 2) {
      const [length, start] = varint(bytes, pos);
      if (start + length > bytes.length) {
        throw new RangeError("Cannot read protobuf as a field is longer than the message");
      }
      value = bytes.subarray(start, start + length);
      pos = start + length;
    } else {
      throw new RangeError(`Cannot read protobuf as wire type ${wireType} is not supported`);
    }
    fields.push({ field, wireType, value, start, end: pos });
  }
  return fields;
}

/** The values of field `n` that are bytes (strings, messages). */
function bytesOf(fields: ProtoField[], n: number): Uint8Array[] {
  return fields.filter((f) => f.field === n && f.value instanceof Uint8Array)
    .map((f) => f.value as Uint8Array);
}

function stringOf(fields: ProtoField[], n: number): string {
  const b = bytesOf(fields, n)[0];
  return b ? TEXT.decode(b) : "";
}

function intOf(fields: ProtoField[], n: number): number | undefined {
  const f = fields.find((x) => x.field === n && typeof x.value === "number");
  return f?.value as number | undefined;
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const info = protoFields(bytes);
  const tensor = bytesOf(protoFields(bytesOf(info, 2)[0] ?? new Uint8Array()), 1)[0];
  const t = protoFields(tensor ?? new Uint8Array());
  const dims = bytesOf(protoFields(bytesOf(t, 2)[0] ?? new Uint8Array()), 1).map((d) => {
    const dim = protoFields(d);
    return intOf(dim, 1) ?? stringOf(dim, 2);
  });
  return { name: stringOf(info, 1), elemType: intOf(t, 1) ?? 0, shape: dims };
}

/** The graph's nodes as op type, inputs and outputs. */
function readNodes(graph: ProtoField[]): { op: string; inputs: string[]; outputs: string[] }[] {
  return bytesOf(graph, 1).map((b) => {
    const n = protoFields(b);
    return {
      op: stringOf(n, 4),
      inputs: bytesOf(n, 1).map((x) => TEXT.decode(x)),
      outputs: bytesOf(n, 2).map((x) => TEXT.decode(x)),
    };
  });
}

/** The inputs of the `Sum` whose result `Div` turns into `probabilities` (see the module doc). */
function sampleProbabilities(graph: ProtoField[]): string[] {
  const nodes = readNodes(graph);
  const div = nodes.find((n) => n.op === "Div" && n.outputs[0] === "probabilities");
  const sum = div && nodes.find((n) => n.op === "Sum" && n.outputs[0] === div.inputs[0]);
  if (!sum) return [];
  const softmaxes = sum.inputs.every((i) =>
    nodes.some((n) => n.op === "Softmax" && n.outputs[0] === i)
  );
  return softmaxes ? sum.inputs : [];
}

/**
 * Reads the metadata, inputs, outputs and per-sample probability tensors of an ONNX model.
 *
 * @param bytes The ONNX file's bytes.
 * @returns What it found (see {@linkcode OnnxFacts}).
 * @throws {RangeError} If the bytes are not a protobuf message or hold no graph.
 * @example Usage
 * ```ts
 * import { encodeModel, DataType } from "../export/onnx/proto.ts";
 * import { readOnnxFacts } from "./onnx_reader.ts";
 * const bytes = encodeModel({
 *   irVersion: 8, opsetVersion: 17, producerName: "bnn", producerVersion: "0.1.0",
 *   graphName: "g", initializers: [], metadata: { dataset: "mnist" },
 *   nodes: [{ opType: "Identity", inputs: ["image"], outputs: ["y"] }],
 *   inputs: [{ name: "image", elemType: DataType.FLOAT, shape: ["N", 1, 28, 28] }],
 *   outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 1, 28, 28] }],
 * });
 * const facts = readOnnxFacts(bytes);
 * if (facts.metadata.dataset !== "mnist" || facts.inputs[0].shape.join() !== "N,1,28,28") {
 *   throw new Error(JSON.stringify(facts));
 * }
 * ```
 */
export function readOnnxFacts(bytes: Uint8Array): OnnxFacts {
  const model = protoFields(bytes);
  const graphBytes = bytesOf(model, 7)[0];
  if (!graphBytes) throw new RangeError("Cannot read the ONNX model as it has no graph");
  const graph = protoFields(graphBytes);
  const metadata: Record<string, string> = {};
  for (const entry of bytesOf(model, 14)) {
    const e = protoFields(entry);
    metadata[stringOf(e, 1)] = stringOf(e, 2);
  }
  return {
    metadata,
    inputs: bytesOf(graph, 11).map(readValueInfo),
    outputs: bytesOf(graph, 12).map(readValueInfo),
    sampleProbabilities: sampleProbabilities(graph),
  };
}
