/**
 * oneDNN convolution plans, one per (kind, shape): created on first use through the shim
 * (`native/bnn_dnnl.c`: primitive descriptor, primitive, memory objects, reorders, scratchpad)
 * and kept for the life of the process, so a training step only sets the tensors' addresses and
 * executes. A configuration oneDNN rejects is remembered as `null` and runs on the OpenBLAS path.
 *
 * Algorithm: Winograd F(4×4, 3×3) where oneDNN has it (3×3 filters, stride 1, channel counts that
 * are multiples of 16: every VGG layer but the first), ~1.7× faster than the direct kernels here
 * for the cost of reordering the activations to oneDNN's blocked layout and back; the direct
 * kernels elsewhere, and where a Winograd plan would need more than {@linkcode MAX_PLAN_BYTES}
 * of scratchpad and reordered arguments. `BNN_DNNL_ALGO=direct` (read once) forces the direct
 * kernels. The forward and input-gradient convolutions run over chunks of images (each image is
 * independent, so the results are the same) to bound that memory at any batch size; the filter
 * gradient sums over the batch and runs whole.
 *
 * oneDNN wants both paddings; tfjs gives top/left. The bottom (right) padding is the smallest
 * one that yields tfjs's output size: (H + pt + pb − ((KH − 1)·dh + 1)) / sh + 1 = OH, rounded
 * down.
 * @module
 */
import type { DnnlLib } from "../_dnnl.ts";
import type { ConvGeometry } from "./_conv_geometry.ts";

/** What a plan computes (the shim's `kind`). */
export const CONV_FORWARD = 0, CONV_BACKWARD_DATA = 1, CONV_BACKWARD_WEIGHTS = 2;

/** A plan's kind. */
export type ConvKind =
  | typeof CONV_FORWARD
  | typeof CONV_BACKWARD_DATA
  | typeof CONV_BACKWARD_WEIGHTS;

/**
 * The most scratchpad + reordered-argument bytes a Winograd plan may take (else: direct), unless
 * `BNN_DNNL_MAX_MIB` says otherwise (read once).
 */
export const MAX_PLAN_BYTES = 128 * 2 ** 20;
/** Activation bytes (input + output) per chunk of images of a forward / input-gradient call. */
export const CHUNK_BYTES = 16 * 2 ** 20;

const ALGO_DIRECT = 0, ALGO_WINOGRAD = 1;
let algo: number | null = null;
let maxBytes: number | null = null;
const plans = new Map<string, Deno.PointerObject | null>();
const counts = { onednn: 0, openblas: 0 };
const implementations = new Set<string>();

function envMaxBytes(): number {
  try {
    const mib = Number(Deno.env.get("BNN_DNNL_MAX_MIB"));
    return mib > 0 ? mib * 2 ** 20 : MAX_PLAN_BYTES;
  } catch {
    return MAX_PLAN_BYTES; // no --allow-env: the default
  }
}

function envAlgo(): number {
  try {
    return Deno.env.get("BNN_DNNL_ALGO") === "direct" ? ALGO_DIRECT : ALGO_WINOGRAD;
  } catch {
    return ALGO_WINOGRAD; // no --allow-env: the default
  }
}

/** The padding after the data along one axis that gives `outSize` outputs. */
export function trailingPad(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  lead: number,
  outSize: number,
): number {
  const least = (outSize - 1) * stride + (kernel - 1) * dilation + 1 - size - lead;
  return least > -stride ? Math.max(0, least) : least;
}

/** The cached plan of a convolution over `n` images, or null when oneDNN does not take it. */
function plan(dnnl: DnnlLib, kind: ConvKind, g: ConvGeometry, n: number) {
  const pb = trailingPad(g.H, g.KH, g.sh, g.dh, g.pt, g.OH);
  const pr = trailingPad(g.W, g.KW, g.sw, g.dw, g.pl, g.OW);
  const args = [n, g.H, g.W, g.C, g.KH, g.KW, g.CO, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw] as const;
  algo ??= envAlgo();
  maxBytes ??= envMaxBytes();
  const key = `${kind}:${algo}:${maxBytes}:${args.join(",")}:${g.pt},${g.pl},${pb},${pr}`;
  let p = plans.get(key);
  if (p === undefined) {
    p = dnnl.bnn_dnnl_conv_create(kind, algo, maxBytes, ...args, g.pt, g.pl, pb, pr);
    plans.set(key, p);
    if (p) {
      implementations.add(new Deno.UnsafePointerView(dnnl.bnn_dnnl_conv_impl(p)!).getCString());
    }
  }
  return p;
}

/** One run of a plan over images n0 .. n0 + count − 1. */
export interface ConvChunk {
  plan: Deno.PointerObject;
  n0: number;
  count: number;
}

/**
 * The plans that compute a convolution, chunk by chunk of images (one chunk for the filter
 * gradient), or null when oneDNN does not take it.
 */
export function convChunks(dnnl: DnnlLib, kind: ConvKind, g: ConvGeometry): ConvChunk[] | null {
  const perImage = 4 * (g.H * g.W * g.C + g.OH * g.OW * g.CO);
  const most = kind === CONV_BACKWARD_WEIGHTS
    ? g.N
    : Math.max(1, Math.floor(CHUNK_BYTES / perImage));
  const pieces = Math.ceil(g.N / most), size = Math.ceil(g.N / pieces);
  const chunks: ConvChunk[] = [];
  for (let n0 = 0; n0 < g.N; n0 += size) {
    const count = Math.min(size, g.N - n0);
    const p = plan(dnnl, kind, g, count);
    if (!p) return null;
    chunks.push({ plan: p, n0, count });
  }
  return chunks;
}

/**
 * Runs the chunks of a convolution on three float32 arrays (see the shim for their roles: for
 * the forward and input-gradient kinds `a` and `out` hold the images, `b` is the filter); throws
 * on failure.
 */
export function runChunks(
  dnnl: DnnlLib,
  chunks: ConvChunk[],
  g: ConvGeometry,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
): void {
  const inSize = g.H * g.W * g.C, outSize = g.OH * g.OW * g.CO;
  for (const { plan, n0, count } of chunks) {
    let ca = a, cout = out;
    if (chunks.length > 1) {
      const [aSize, oSize] = a.length === g.N * inSize ? [inSize, outSize] : [outSize, inSize];
      ca = a.subarray(n0 * aSize, (n0 + count) * aSize);
      cout = out.subarray(n0 * oSize, (n0 + count) * oSize);
    }
    if (dnnl.bnn_dnnl_conv_run(plan, ca, b, cout) !== 0) {
      throw new Error("oneDNN convolution failed (bnn_dnnl_conv_run)");
    }
  }
  counts.onednn++;
}

/** Notes one convolution that ran on the OpenBLAS path while oneDNN was active. */
export function countFallback(): void {
  counts.openblas++;
}

/**
 * How many convolutions (forward and gradients) ran on oneDNN and how many fell back to
 * OpenBLAS since the process started, and the oneDNN implementations the plans use.
 *
 * @returns The counts and the implementation names (e.g. `jit_wino_4x3:avx512_core`).
 * @example Usage
 * ```ts
 * import { convPathStats } from "./_dnnl_plans.ts";
 * const { onednn, openblas } = convPathStats();
 * if (onednn < 0 || openblas < 0) throw new Error("negative");
 * ```
 */
export function convPathStats(): { onednn: number; openblas: number; implementations: string[] } {
  return { ...counts, implementations: [...implementations].sort() };
}
