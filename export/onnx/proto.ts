/**
 * A minimal protobuf writer for the ONNX messages bnn emits (ModelProto, GraphProto,
 * NodeProto, TensorProto, ValueInfoProto, AttributeProto), written by hand so the
 * exporter has no dependency. Field numbers follow `onnx/onnx.proto` (IR version 8).
 *
 * Wire format: every field is `tag = (field << 3) | wireType` as a varint, then a
 * varint (type 0), a little-endian 32-bit value (type 5) or a length-delimited
 * payload (type 2, used for strings, bytes and nested messages). Repeated scalars
 * are written unpacked, which every protobuf parser accepts.
 * @module
 */

/** ONNX `TensorProto.DataType` codes used by bnn. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** The element type of a tensor: one of {@linkcode DataType}'s codes. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** An initializer: a named constant tensor stored as little-endian `raw_data`. */
export interface TensorInit {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** The raw little-endian bytes, `prod(dims) · sizeof(dataType)` long. */
  raw: Uint8Array;
  docString?: string;
}

/** A node attribute; the value's JS type picks the ONNX attribute type. */
export type AttrValue =
  | { kind: "int"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "float"; value: number }
  | { kind: "floats"; value: number[] }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: TensorInit };

/** One operator node of the graph (default domain, i.e. standard ONNX ops). */
export interface NodeDef {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttrValue>;
  docString?: string;
}

/** A graph input or output: a float/int tensor whose dims are sizes or symbolic names. */
export interface ValueInfo {
  name: string;
  elemType: DataTypeCode;
  /** A number is a fixed size; a string is a symbolic (dynamic) dimension such as `"N"`. */
  shape: (number | string)[];
  docString?: string;
}

/** The whole model: one graph plus header fields. */
export interface ModelDef {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graphName: string;
  nodes: NodeDef[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** `metadata_props` key/value strings. */
  metadata?: Record<string, string>;
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
const TEXT = new TextEncoder();

/**
 * An append-only protobuf byte buffer that doubles its capacity as it grows.
 *
 * @example Usage
 * ```ts
 * import { ProtoWriter } from "./proto.ts";
 * const w = new ProtoWriter();
 * w.int(1, 150); // field 1, varint 150
 * const b = w.finish();
 * if (b.join(",") !== "8,150,1") throw new Error(b.join(","));
 * ```
 */
export class ProtoWriter {
  #buf = new Uint8Array(256);
  #pos = 0;

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Writes a non-negative integer, or a negative one as 10-byte two's complement, as a varint. */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new RangeError(
        `Cannot write varint as value must be a safe integer: current value is ${value}`,
      );
    }
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#pos++] = Number(v);
  }

  /** Writes a field tag. */
  tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  /** Writes an integer field (int32/int64/enum). */
  int(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  /** Writes a 32-bit float field. */
  float(field: number, value: number): void {
    this.tag(field, 5);
    this.#reserve(4);
    new DataView(this.#buf.buffer).setFloat32(this.#pos, value, true);
    this.#pos += 4;
  }

  /** Writes a bytes field. */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.#reserve(value.length);
    this.#buf.set(value, this.#pos);
    this.#pos += value.length;
  }

  /** Writes a UTF-8 string field. */
  string(field: number, value: string): void {
    this.bytes(field, TEXT.encode(value));
  }

  /** Writes a nested message field whose body `fill` writes. */
  message(field: number, fill: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    fill(inner);
    this.bytes(field, inner.finish());
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}

function writeTensor(w: ProtoWriter, t: TensorInit): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
  if (t.docString) w.string(12, t.docString);
}

function writeAttribute(w: ProtoWriter, name: string, a: AttrValue): void {
  w.string(1, name);
  switch (a.kind) {
    case "float":
      w.float(2, a.value);
      break;
    case "int":
      w.int(3, a.value);
      break;
    case "string":
      w.string(4, a.value);
      break;
    case "tensor":
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case "floats":
      for (const v of a.value) w.float(7, v);
      break;
    case "ints":
      for (const v of a.value) w.int(8, v);
      break;
    default:
      a satisfies never;
  }
  w.int(20, ATTR_TYPE[a.kind]);
}

function writeNode(w: ProtoWriter, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, k, v));
  }
  if (n.docString) w.string(6, n.docString);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => typeof d === "number" ? dim.int(1, d) : dim.string(2, d));
        }
      });
    }));
  if (v.docString) w.string(3, v.docString);
}

/**
 * Serializes a {@linkcode ModelDef} to the bytes of an ONNX `ModelProto`.
 *
 * @example Usage
 * ```ts
 * import { DataType, encodeModel } from "./proto.ts";
 * const bytes = encodeModel({
 *   irVersion: 8, opsetVersion: 17, producerName: "bnn", producerVersion: "0.1.0",
 *   graphName: "id", initializers: [],
 *   nodes: [{ opType: "Identity", inputs: ["x"], outputs: ["y"] }],
 *   inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["N", 2] }],
 *   outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 2] }],
 * });
 * if (bytes[0] !== 0x08) throw new Error("ir_version must come first");
 * ```
 */
export function encodeModel(m: ModelDef): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => {
    for (const n of m.nodes) g.message(1, (x) => writeNode(x, n));
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (x) => writeTensor(x, t));
    for (const v of m.inputs) g.message(11, (x) => writeValueInfo(x, v));
    for (const v of m.outputs) g.message(12, (x) => writeValueInfo(x, v));
  });
  w.message(8, (o) => {
    o.string(1, "");
    o.int(2, m.opsetVersion);
  });
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}

/** Little-endian bytes of a float32 array. */
export function floatBytes(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

/** Little-endian bytes of an int64 array (values must be safe integers). */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const b = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) b[i] = BigInt(values[i]);
  return new Uint8Array(b.buffer);
}
