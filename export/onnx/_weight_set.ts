/**
 * One weight set's ±1 tensors in the graph. `float` stores each as a float32 initializer.
 * `packed` (the default) concatenates them into ONE `uint8` initializer of ⌈n/8⌉ bytes
 * ({@linkcode ./pack.ts}) and unpacks it in the graph's prelude with
 * `Cast → Reshape[-1,1] → Div([128,64,…,1]) → Floor → Mod(2, fmod=1) → Mul(2) → Sub(1)
 * → Reshape[-1]`, then `(Slice[a:b]) → Reshape(shape)` per tensor. Every input of that chain
 * is a constant, so ONNX Runtime folds it into float ±1 initializers at session load; all
 * values are small integers, so it is exact in float32.
 * @module
 */
import type { WeightFormat } from "./frozen_net.ts";
import type { GraphBuilder } from "./_graph_builder.ts";
import { packBits } from "./pack.ts";
import { DataType } from "./proto.ts";

/** A binary weight tensor waiting to be stored with the rest of its weight set. */
export interface PendingWeight {
  /** The tensor's name in the graph. */
  name: string;
  /** ONNX layout. */
  dims: number[];
  /** ±1 values, ONNX layout, row-major. */
  w: Float32Array;
}

function concatenate(pending: PendingWeight[]): Float32Array {
  const all = new Float32Array(pending.reduce((a, p) => a + p.w.length, 0));
  let offset = 0;
  for (const p of pending) {
    all.set(p.w, offset);
    offset += p.w.length;
  }
  return all;
}

/** Prelude nodes turning the `uint8` initializer `bits` into a flat float ±1 vector. */
function unpackBits(g: GraphBuilder, set: string, bits: string): string {
  const n = (suffix: string) => `${set}${suffix}`;
  const asFloat = g.pre("Cast", [bits], n("u8f"), { to: { kind: "int", value: DataType.FLOAT } });
  const col = g.pre("Reshape", [asFloat, g.constInt64("shape_col", [-1, 1])], n("col"));
  const pow2 = g.constFloat("bit_divisors", [8], [128, 64, 32, 16, 8, 4, 2, 1]);
  const shifted = g.pre("Floor", [g.pre("Div", [col, pow2], n("div"))], n("shift"));
  const two = g.constFloat("two", [], [2]);
  const bit = g.pre("Mod", [shifted, two], n("bit"), { fmod: { kind: "int", value: 1 } });
  const pm = g.pre(
    "Sub",
    [g.pre("Mul", [bit, two], n("2b")), g.constFloat("one", [], [1])],
    n("pm1"),
  );
  return g.pre("Reshape", [pm, g.constInt64("shape_flat", [-1])], n("flat"));
}

function emitPacked(g: GraphBuilder, set: string, pending: PendingWeight[]): void {
  const bytes = packBits(concatenate(pending));
  const flat = unpackBits(g, set, g.init(`${set}bits`, DataType.UINT8, [bytes.length], bytes));
  let offset = 0;
  for (const p of pending) {
    const end = offset + p.w.length;
    const piece = pending.length === 1 && end === bytes.length * 8 ? flat : g.pre(
      "Slice",
      [flat, g.constInt64(`i64_${offset}`, [offset]), g.constInt64(`i64_${end}`, [end])],
      `${p.name}_flat`,
    );
    g.pre("Reshape", [piece, g.int64Init(`${p.name}_shape`, p.dims)], p.name);
    offset = end;
  }
}

/**
 * Emits one weight set's ±1 tensors: as float32 initializers, or as one packed `uint8`
 * initializer whose unpacking nodes go into the graph's prelude, ahead of every use.
 *
 * @param set The prefix of the packed tensors' names (`w_`, or `s{k}_w_` with K sets).
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitWeightSet } from "./_weight_set.ts";
 * const g = new GraphBuilder();
 * const w = new Float32Array([1, -1, -1, 1]);
 * emitWeightSet(g, "w_", [{ name: "W", dims: [2, 2], w }], "packed");
 * if (g.prelude.at(-1)!.outputs[0] !== "W" || g.inits[0].raw.length !== 1) throw new Error();
 * ```
 */
export function emitWeightSet(
  g: GraphBuilder,
  set: string,
  pending: PendingWeight[],
  format: WeightFormat,
): void {
  if (format === "float") {
    for (const p of pending) g.floatInit(p.name, p.dims, p.w);
  } else {
    emitPacked(g, set, pending);
  }
}
