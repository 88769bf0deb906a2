/**
 * A plain-JS reference of the int8 graph's arithmetic, written from the ONNX operator
 * definitions, not from the exporter: it works on one NHWC image at a time with the tfjs-layout
 * kernels (HWIO conv, `[in, out]` dense, the NHWC flatten order), so the exporter's layout
 * conversions, its dense-as-1×1-conv trick and its channel negation are checked, not reused.
 *
 * - QuantizeLinear: q = sat(roundHalfEven(x / s) + z), float32 division;
 * - QLinearConv: acc = Σ (q − z_x)·w (zero padding is z_x, i.e. 0 after the subtraction) + bias,
 *   y = sat(roundHalfEven(float32(acc) · M)), M = float32(float32(s_x·s_w) / s_y), the BatchNorm
 *   folded as a = γ/√(σ² + ε), b = β − a·μ, s_w = |a|, bias = round(b / (s_x·|a|)), and the sum
 *   negated for a < 0;
 * - MaxPool on the uint8 values; DequantizeLinear x = s·(q − z); the last layer and its
 *   BatchNorm in float64.
 * @module
 */
import type { FrozenNet } from "../../export/onnx/graph.ts";
import type { ActivationScales } from "../../export/onnx/int8_graph.ts";
import type { LayerSpec } from "../../train/models/spec.ts";

const f32 = Math.fround;

/** Round half to even, as ONNX Runtime's quantization kernels (nearbyint) do. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const sat = (v: number) => Math.min(255, Math.max(0, v));

/** An NHWC activation: values and shape `[h, w, c]` (`[1, 1, f]` when flat). */
interface Act {
  v: Float64Array;
  h: number;
  w: number;
  c: number;
}

function bnAffine(l: Extract<LayerSpec, { type: "batchnorm" }>, bn: FrozenNet["batchNorms"][0]) {
  const a = new Float64Array(l.features), b = new Float64Array(l.features);
  for (let c = 0; c < l.features; c++) {
    a[c] = (bn.gamma?.[c] ?? 1) / Math.sqrt(bn.variance[c] + l.eps);
    b[c] = (bn.beta?.[c] ?? 0) - a[c] * bn.mean[c];
  }
  return { a, b };
}

/** Σ over the kernel of x·w for a conv (`HWIO`, padding p) or a dense layer. */
function linear(x: Act, l: Extract<LayerSpec, { type: "dense" | "conv2d" }>, w: Float32Array): Act {
  if (l.type === "dense") {
    const out = new Float64Array(l.units);
    for (let o = 0; o < l.units; o++) {
      let s = 0;
      for (let i = 0; i < l.inputs; i++) s += x.v[i] * w[i * l.units + o];
      out[o] = s;
    }
    return { v: out, h: 1, w: 1, c: l.units };
  }
  const { kernelSize: k, padding: p, filters: co, inChannels: ci } = l;
  const H = x.h + 2 * p - k + 1, W = x.w + 2 * p - k + 1;
  const out = new Float64Array(H * W * co);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      for (let o = 0; o < co; o++) {
        let s = 0;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const sy = y + ky - p, sx = xx + kx - p;
            if (sy < 0 || sy >= x.h || sx < 0 || sx >= x.w) continue;
            for (let i = 0; i < ci; i++) {
              s += x.v[(sy * x.w + sx) * ci + i] * w[((ky * k + kx) * ci + i) * co + o];
            }
          }
        }
        out[(y * W + xx) * co + o] = s;
      }
    }
  }
  return { v: out, h: H, w: W, c: co };
}

function maxPool(x: Act, s: number): Act {
  const H = Math.floor(x.h / s), W = Math.floor(x.w / s);
  const out = new Float64Array(H * W * x.c).fill(-Infinity);
  for (let y = 0; y < H * s; y++) {
    for (let xx = 0; xx < W * s; xx++) {
      for (let c = 0; c < x.c; c++) {
        const o = (Math.floor(y / s) * W + Math.floor(xx / s)) * x.c + c;
        out[o] = Math.max(out[o], x.v[(y * x.w + xx) * x.c + c]);
      }
    }
  }
  return { v: out, h: H, w: W, c: x.c };
}

/**
 * The logits of weight set `set` of `net`'s int8 graph for one NHWC image (see the module doc).
 * Handles the tiny specs of the tests: hidden blocks `binary → [maxpool] → [batchnorm] → relu`,
 * the last binary layer followed by at most a BatchNorm.
 */
export function int8ReferenceLogits(
  net: FrozenNet,
  scales: ActivationScales,
  image: Float32Array,
  set = 0,
): Float64Array {
  const { spec } = net, layers = spec.layers;
  const prefix = net.weightSets.length > 1 ? `s${set}_` : "";
  const [h, w, c] = spec.inputShape;
  const { scale: s0, zeroPoint: z0 } = scales.input;
  let x: Act = {
    v: Float64Array.from(image, (v) => sat(roundHalfEven(f32(v / f32(s0))) + z0) - z0),
    h,
    w,
    c,
  };
  let xs = s0;
  const binary = layers.flatMap((l, i) => (l.type === "dense" || l.type === "conv2d" ? [i] : []));
  const last = binary.at(-1)!;
  const bnIndex = new Map<number, number>();
  layers.forEach((l, i) => l.type === "batchnorm" && bnIndex.set(i, bnIndex.size));
  let wi = 0, quantized = true;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (l.type === "flatten") x = { v: x.v, h: 1, w: 1, c: x.v.length };
    if (l.type !== "dense" && l.type !== "conv2d") continue;
    if (i === last) {
      if (quantized) x = { ...x, v: x.v.map((q) => f32(xs) * q) };
      quantized = false;
      x = linear(x, l, net.weightSets[set][wi++]);
      const bn = layers[i + 1];
      if (bn?.type === "batchnorm") {
        const { a, b } = bnAffine(bn, net.batchNorms[bnIndex.get(i + 1)!]);
        x = { ...x, v: x.v.map((v, j) => a[j % x.c] * v + b[j % x.c]) };
      }
      return x.v;
    }
    let acc = linear(x, l, net.weightSets[set][wi++]);
    let j = i + 1, a: Float64Array | null = null, b: Float64Array | null = null, out = i;
    for (; !["dense", "conv2d", "flatten"].includes(layers[j].type); j++) {
      const lj = layers[j];
      if (lj.type === "dropout") continue;
      out = j;
      if (lj.type === "batchnorm") ({ a, b } = bnAffine(lj, net.batchNorms[bnIndex.get(j)!]));
    }
    const ys = scales.outputs[`${prefix}L${out}_${layers[out].type}`];
    const y = new Float64Array(acc.v.length);
    for (let k = 0; k < y.length; k++) {
      const ch = k % acc.c, ac = a ? a[ch] : 1, bc = b ? b[ch] : 0;
      const ws = f32(Math.abs(ac));
      const bias = Math.round(bc / (f32(xs) * ws));
      const m = f32(f32(f32(xs) * ws) / f32(ys));
      y[k] = sat(roundHalfEven(f32(f32(Math.sign(ac) * acc.v[k] + bias) * m)));
    }
    acc = { ...acc, v: y };
    for (let p = i + 1; p < j; p++) {
      const lp = layers[p];
      if (lp.type === "maxpool") acc = maxPool(acc, lp.size);
    }
    x = acc;
    xs = ys;
    i = j - 1;
  }
  throw new Error("the spec has no binary layer");
}
