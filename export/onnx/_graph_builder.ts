/**
 * A mutable ONNX graph under construction: nodes in order, initializers with unique names,
 * shared constants created on first use, and a prelude of nodes that compute constants (the
 * weight unpacking) placed ahead of every other node.
 * @module
 */
import { DataType, floatBytes, int64Bytes, type NodeDef, type TensorInit } from "./proto.ts";

/** The attributes of one node, as {@linkcode NodeDef} holds them. */
export type Attributes = NodeDef["attributes"];

/**
 * Accumulates nodes and initializers with unique names.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * const g = new GraphBuilder();
 * const one = g.constFloat("one", [], [1]);
 * g.node("Add", ["x", one], "y");
 * if (g.constFloat("one", [], [1]) !== one || g.inits.length !== 1) throw new Error("shared");
 * if (g.nodes[0].opType !== "Add") throw new Error("node");
 * ```
 */
export class GraphBuilder {
  /** The graph's nodes, in order (after the prelude). */
  nodes: NodeDef[] = [];
  /** Nodes that compute constants (weight unpacking), placed before every other node. */
  prelude: NodeDef[] = [];
  /** The initializers, in creation order. */
  inits: TensorInit[] = [];
  #names = new Set<string>();
  #consts = new Map<string, string>();

  /** Adds an initializer; its name must be new. Returns the name. */
  init(name: string, dataType: TensorInit["dataType"], dims: number[], raw: Uint8Array): string {
    if (this.#names.has(name)) throw new Error(`Duplicate initializer name ${name}`);
    this.#names.add(name);
    this.inits.push({ name, dataType, dims, raw });
    return name;
  }

  /** Adds a float32 initializer. */
  floatInit(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.init(name, DataType.FLOAT, dims, floatBytes(values));
  }

  /** Adds a 1-D int64 initializer. */
  int64Init(name: string, values: number[]): string {
    return this.init(name, DataType.INT64, [values.length], int64Bytes(values));
  }

  /** A shared float constant, created on first use. */
  constFloat(name: string, dims: number[], values: number[]): string {
    return this.#shared(`f:${name}`, () => this.floatInit(name, dims, values));
  }

  /** A shared 1-D int64 constant, created on first use. */
  constInt64(name: string, values: number[]): string {
    return this.#shared(`i:${name}`, () => this.int64Init(name, values));
  }

  /** Appends a node with one output; returns the output's name. */
  node(opType: string, inputs: string[], output: string, attributes?: Attributes): string {
    this.nodes.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** Appends a node to the prelude; returns the output's name. */
  pre(opType: string, inputs: string[], output: string, attributes?: Attributes): string {
    this.prelude.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** A shared `[f]` float vector filled with `value`, made by ConstantOfShape (8 bytes stored). */
  filled(value: number, f: number): string {
    const name = `${value === 1 ? "ones" : value === 0 ? "zeros" : `fill${value}`}_${f}`;
    return this.#shared(
      `c:${name}`,
      () =>
        this.pre("ConstantOfShape", [this.constInt64(`i64_${f}`, [f])], name, {
          value: {
            kind: "tensor",
            value: { name: "", dataType: DataType.FLOAT, dims: [1], raw: floatBytes([value]) },
          },
        }),
    );
  }

  #shared(key: string, make: () => string): string {
    if (!this.#consts.has(key)) this.#consts.set(key, make());
    return this.#consts.get(key)!;
  }
}
