/**
 * The graph's outputs. With one weight set (the BayesBiNN mode or the STE sign), `logits` is
 * the network's output and `probabilities = Softmax(logits)`. With K sampled weight sets,
 * `probabilities = (1/K)·Σ_k Softmax(logits_k)` (paper eq. 18) and
 * `logits = Log(probabilities)` (log of the averaged predictive probability; its argmax and
 * its softmax equal those of `probabilities`).
 * @module
 */
import type { GraphBuilder } from "./_graph_builder.ts";
import { DataType, type ValueInfo } from "./proto.ts";

/**
 * Emits `logits` and `probabilities` from the logits of each weight set's branch.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitHead } from "./_head.ts";
 * const g = new GraphBuilder();
 * emitHead(g, ["a", "b"]);
 * if (g.nodes.map((n) => n.opType).join() !== "Softmax,Softmax,Sum,Div,Log") throw new Error();
 * ```
 */
export function emitHead(g: GraphBuilder, branchLogits: string[]): void {
  const K = branchLogits.length;
  const axis1 = { axis: { kind: "int" as const, value: 1 } };
  if (K === 1) {
    g.node("Identity", [branchLogits[0]], "logits");
    g.node("Softmax", ["logits"], "probabilities", axis1);
    return;
  }
  const probs = branchLogits.map((l, s) => g.node("Softmax", [l], `s${s}_probabilities`, axis1));
  const sum = g.node("Sum", probs, "probabilities_sum");
  g.node("Div", [sum, g.constFloat("num_samples", [], [K])], "probabilities");
  g.node("Log", ["probabilities"], "logits");
}

/**
 * The declared input `image`: a normalized NCHW float32 batch `[N, C, H, W]` (the float and the
 * int8 graphs both take it).
 *
 * @example Usage
 * ```ts
 * import { imageInput } from "./_head.ts";
 * const image = imageInput(1, 28, 28);
 * if (image.name !== "image" || image.shape.join() !== "N,1,28,28") throw new Error();
 * ```
 */
export function imageInput(C: number, H: number, W: number): ValueInfo {
  return {
    name: "image",
    elemType: DataType.FLOAT,
    shape: ["N", C, H, W],
    docString:
      `Normalized images, NCHW float32 [N, ${C}, ${H}, ${W}]: (pixel/255 - mean_c) / std_c per channel`,
  };
}

/**
 * The declared outputs `logits` and `probabilities`, `[N, classes]` float32, with K weight sets.
 *
 * @example Usage
 * ```ts
 * import { headOutputs } from "./_head.ts";
 * const [logits, probs] = headOutputs(1, 10);
 * if (logits.name !== "logits" || probs.shape.join() !== "N,10") throw new Error();
 * ```
 */
export function headOutputs(K: number, classes: number): ValueInfo[] {
  const output = (name: string, docString: string): ValueInfo => ({
    name,
    elemType: DataType.FLOAT,
    shape: ["N", classes],
    docString,
  });
  return [
    output(
      "logits",
      K === 1
        ? "Class logits [N, classes]"
        : `Log of the averaged predictive probability over ${K} sampled weight sets [N, classes]`,
    ),
    output(
      "probabilities",
      K === 1
        ? "Softmax of the logits [N, classes]"
        : `Average of the softmax over ${K} sampled weight sets (paper eq. 18) [N, classes]`,
    ),
  ];
}
