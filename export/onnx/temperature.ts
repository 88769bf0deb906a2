/**
 * Temperature scaling in the graph (Guo et al. 2017): a built model's outputs become
 * `logits = logits₀ / T` (`Div` by the scalar initializer `temperature`) and
 * `probabilities = Softmax(logits)`, where logits₀ is the model's own `logits` (the network's
 * output, or log p̄ of a K-sample ensemble, whose softmax is p̄ itself). Dividing by T > 0 keeps
 * every argmax, so accuracy is unchanged. The nodes that computed the old `probabilities` and
 * are no longer used (the K = 1 softmax) are removed.
 * @module
 */
import { DataType, floatBytes, type ModelDef, type NodeDef } from "./proto.ts";

/** Removes nodes none of whose outputs is used by a later node or the graph's outputs. */
function pruneDead(nodes: NodeDef[], outputs: string[]): NodeDef[] {
  const used = new Set(outputs);
  const kept: NodeDef[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (!n.outputs.some((o) => used.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) used.add(x);
  }
  return kept.reverse();
}

/**
 * The model with its outputs divided by temperature `T` (see the module doc).
 *
 * @throws {RangeError} If T is not a positive finite number or the model has no `logits` output.
 * @example Usage
 * ```ts
 * import { withTemperature } from "./temperature.ts";
 * import { buildOnnxModel } from "./graph.ts";
 * const { model } = buildOnnxModel({
 *   spec: { architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1])]], batchNorms: [],
 * });
 * const t = withTemperature(model, 2);
 * if (t.nodes.slice(-2).map((n) => n.opType).join() !== "Div,Softmax") throw new Error();
 * if (t.nodes.filter((n) => n.opType === "Softmax").length !== 1) throw new Error();
 * ```
 */
export function withTemperature(model: ModelDef, T: number): ModelDef {
  if (!(T > 0) || !Number.isFinite(T)) {
    throw new RangeError(`temperature must be a positive finite number: current value is ${T}`);
  }
  if (!model.outputs.some((o) => o.name === "logits")) {
    throw new RangeError("Cannot apply a temperature: the model has no 'logits' output");
  }
  const rename = (t: string) =>
    t === "logits" ? "logits_untempered" : t === "probabilities" ? "probabilities_untempered" : t;
  const nodes: NodeDef[] = model.nodes.map((n) => ({
    ...n,
    inputs: n.inputs.map(rename),
    outputs: n.outputs.map(rename),
  }));
  nodes.push(
    { opType: "Div", inputs: ["logits_untempered", "temperature"], outputs: ["logits"] },
    {
      opType: "Softmax",
      inputs: ["logits"],
      outputs: ["probabilities"],
      attributes: { axis: { kind: "int", value: 1 } },
    },
  );
  const outputs = model.outputs.map((o) => ({
    ...o,
    docString: `${o.docString ?? o.name}, at temperature T = ${T} (logits divided by T)`,
  }));
  return {
    ...model,
    nodes: pruneDead(nodes, outputs.map((o) => o.name)),
    initializers: [
      ...model.initializers,
      { name: "temperature", dataType: DataType.FLOAT, dims: [], raw: floatBytes([T]) },
    ],
    outputs,
  };
}
