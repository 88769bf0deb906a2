/**
 * oneDNN convolution plans: which kernel computes a convolution, over how many images at a time.
 * Chosen on the first call with a shape (keyed by kind, shape, strides, dilations and paddings),
 * created through the shim (`native/bnn_dnnl.c`: primitive descriptor, primitive, memory
 * objects, reorders) and kept for the life of the process, so a training step only sets the
 * tensors' addresses and executes. A configuration oneDNN rejects is remembered as `null` and
 * runs on the OpenBLAS path.
 *
 * Algorithm: Winograd F(4×4, 3×3) where oneDNN has it (3×3 filters, stride 1, channel counts that
 * are multiples of 16: every VGG layer but the first), ~1.7× faster than the direct kernels here
 * for the cost of reordering the activations to oneDNN's blocked layout and back. A Winograd plan
 * needs a buffer for those reordered arguments and its scratchpad, which grows with the images
 * per call: the batch is split into the fewest equal chunks whose plan needs at most
 * {@linkcode MAX_PLAN_BYTES} (`BNN_DNNL_MAX_MIB`). Images are independent, so the forward and
 * input-gradient convolutions simply run chunk by chunk (oneDNN may block a smaller call
 * differently, so the last bits can differ from one whole-batch call); the filter gradient, a sum
 * over the images, adds each chunk's part to the previous ones (the output reorder's sum post-op)
 * in chunk order. Either way the same bound gives the same bits. Where even one image does not fit (the filter gradient of a 512→512 layer: the
 * per-thread transformed filters alone take ~130 MiB), the direct kernels run the whole batch in
 * place on the tfjs tensors (NHWC, no activation copies). `BNN_DNNL_ALGO=direct` (read once)
 * forces the direct kernels.
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
 * The most scratchpad + reordered-argument bytes a Winograd plan may take (else: smaller chunks
 * of images, or the direct kernels), unless `BNN_DNNL_MAX_MIB` says otherwise (read once).
 * Measured on the VGG step (batch 50, `deno task bench`, quiet machine): 64 MiB ran as fast as 96
 * or 128 MiB within the noise (1.45–1.57× PyTorch) at the lowest peak memory (1.10–1.16×); 32 MiB
 * was slower (1.25–1.29×) for 1 % less memory.
 */
export const MAX_PLAN_BYTES = 64 * 2 ** 20;

const ALGO_DIRECT = 0, ALGO_WINOGRAD = 1;
let algo: number | null = null;
let maxBytes: number | null = null;
const choices = new Map<string, ConvChunk[] | null>();
const counts = { onednn: 0, openblas: 0, chunked: 0 };
const implementations = new Set<string>();
let bufferBytes = 0;

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

/** One run of a plan over images n0 .. n0 + count − 1. */
export interface ConvChunk {
  plan: Deno.PointerObject;
  n0: number;
  count: number;
  /** Bytes of the shim's shared buffer the plan uses. */
  bytes: number;
}

/** A new plan of `kind` with `algorithm` over `n` images, or null when oneDNN rejects it. */
function create(dnnl: DnnlLib, kind: ConvKind, algorithm: number, g: ConvGeometry, n: number) {
  const pb = trailingPad(g.H, g.KH, g.sh, g.dh, g.pt, g.OH);
  const pr = trailingPad(g.W, g.KW, g.sw, g.dw, g.pl, g.OW);
  const shape = [g.H, g.W, g.C, g.KH, g.KW, g.CO, g.OH, g.OW] as const;
  return dnnl.bnn_dnnl_conv_create(
    kind,
    algorithm,
    n,
    ...shape,
    g.sh,
    g.sw,
    g.dh,
    g.dw,
    g.pt,
    g.pl,
    pb,
    pr,
  );
}

/**
 * Chunks of `size` of the `n` images (the last one: what is left), run by `full`, the last one
 * by `last`.
 */
function chunksOf(
  dnnl: DnnlLib,
  full: Deno.PointerObject,
  last: Deno.PointerObject,
  size: number,
  n: number,
): ConvChunk[] {
  const chunks: ConvChunk[] = [];
  for (let n0 = 0; n0 < n; n0 += size) {
    const plan = n0 + size < n ? full : last;
    chunks.push({ plan, n0, count: Math.min(size, n - n0), bytes: dnnl.bnn_dnnl_conv_bytes(plan) });
  }
  return chunks;
}

/**
 * Winograd over the fewest equal chunks of images whose plans need at most `bound` bytes, or
 * null (Winograd unavailable, or not even one image fits). The chunk size comes from a linear
 * estimate of the bytes per image (one plan over the whole batch, one over a single image), then
 * shrinks until the plans fit: oneDNN's blocking makes the bytes only roughly linear.
 */
function winogradChunks(
  dnnl: DnnlLib,
  kind: ConvKind,
  g: ConvGeometry,
  bound: number,
): ConvChunk[] | null {
  const fits = (p: Deno.PointerObject | null, chunked: boolean): p is Deno.PointerObject =>
    p !== null && dnnl.bnn_dnnl_conv_bytes(p) <= bound &&
    (!chunked || kind !== CONV_BACKWARD_WEIGHTS || dnnl.bnn_dnnl_conv_accumulates(p) === 1);
  const whole = create(dnnl, kind, ALGO_WINOGRAD, g, g.N);
  if (fits(whole, false)) return chunksOf(dnnl, whole, whole, g.N, g.N);
  const one = whole && g.N > 1 ? create(dnnl, kind, ALGO_WINOGRAD, g, 1) : null;
  const wholeBytes = whole ? dnnl.bnn_dnnl_conv_bytes(whole) : 0;
  if (whole) dnnl.bnn_dnnl_conv_destroy(whole);
  if (!fits(one, true)) {
    if (one) dnnl.bnn_dnnl_conv_destroy(one);
    return null;
  }
  const oneBytes = dnnl.bnn_dnnl_conv_bytes(one);
  const perImage = Math.max(1, (wholeBytes - oneBytes) / (g.N - 1));
  let size = Math.min(g.N - 1, Math.max(1, 1 + Math.floor((bound - oneBytes) / perImage)));
  for (;;) {
    const pieces = Math.ceil(g.N / size);
    size = Math.ceil(g.N / pieces); // equal chunks; the last one takes what is left
    const rest = g.N - (pieces - 1) * size;
    const full: Deno.PointerObject | null = size === 1
      ? one
      : create(dnnl, kind, ALGO_WINOGRAD, g, size);
    const last: Deno.PointerObject | null = rest === size
      ? full
      : rest === 1
      ? one
      : create(dnnl, kind, ALGO_WINOGRAD, g, rest);
    if (fits(full, true) && fits(last, true)) {
      if (one !== full && one !== last) dnnl.bnn_dnnl_conv_destroy(one);
      return chunksOf(dnnl, full, last, size, g.N);
    }
    for (const p of new Set([full, last])) if (p && p !== one) dnnl.bnn_dnnl_conv_destroy(p);
    size = Math.ceil(g.N / (pieces + 1));
    while (Math.ceil(g.N / size) <= pieces) size--; // at least one more chunk
  }
}

/** The direct kernels over the whole batch, or null when oneDNN rejects the configuration. */
function directChunks(dnnl: DnnlLib, kind: ConvKind, g: ConvGeometry): ConvChunk[] | null {
  const plan = create(dnnl, kind, ALGO_DIRECT, g, g.N);
  return plan ? chunksOf(dnnl, plan, plan, g.N, g.N) : null;
}

/**
 * The plans that compute a convolution, chunk by chunk of images (chosen once per shape, see the
 * module doc), or null when oneDNN does not take it.
 */
export function convChunks(dnnl: DnnlLib, kind: ConvKind, g: ConvGeometry): ConvChunk[] | null {
  algo ??= envAlgo();
  maxBytes ??= envMaxBytes();
  const shape = [g.N, g.H, g.W, g.C, g.KH, g.KW, g.CO, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw];
  const key = `${kind}:${algo}:${maxBytes}:${shape.join(",")}:${g.pt},${g.pl}`;
  let chunks = choices.get(key);
  if (chunks === undefined) {
    chunks = (algo === ALGO_WINOGRAD ? winogradChunks(dnnl, kind, g, maxBytes) : null) ??
      directChunks(dnnl, kind, g);
    choices.set(key, chunks);
    for (const { plan } of chunks ?? []) {
      implementations.add(new Deno.UnsafePointerView(dnnl.bnn_dnnl_conv_impl(plan)!).getCString());
    }
  }
  return chunks;
}

/**
 * Runs the chunks of a convolution on three float32 arrays (see the shim for their roles: for
 * the forward and input-gradient kinds `a` and `out` hold the images, `b` is the filter; for the
 * filter gradient `a` and `b` hold the images and every chunk after the first adds to `out`);
 * throws on failure.
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
  const filterGradient = b.length === g.N * outSize && out.length === g.KH * g.KW * g.C * g.CO;
  for (const [i, { plan, n0, count, bytes }] of chunks.entries()) {
    let ca = a, cb = b, cout = out;
    if (chunks.length > 1 && filterGradient) {
      ca = a.subarray(n0 * inSize, (n0 + count) * inSize);
      cb = b.subarray(n0 * outSize, (n0 + count) * outSize);
    } else if (chunks.length > 1) {
      const [aSize, oSize] = a.length === g.N * inSize ? [inSize, outSize] : [outSize, inSize];
      ca = a.subarray(n0 * aSize, (n0 + count) * aSize);
      cout = out.subarray(n0 * oSize, (n0 + count) * oSize);
    }
    const accumulate = filterGradient && i > 0 ? 1 : 0;
    if (dnnl.bnn_dnnl_conv_run(plan, ca, cb, cout, accumulate) !== 0) {
      throw new Error("oneDNN convolution failed (bnn_dnnl_conv_run)");
    }
    bufferBytes = Math.max(bufferBytes, bytes);
  }
  counts.onednn++;
  if (chunks.length > 1) counts.chunked++;
}

/** Notes one convolution that ran on the OpenBLAS path while oneDNN was active. */
export function countFallback(): void {
  counts.openblas++;
}

/**
 * How many convolutions (forward and gradients) ran on oneDNN (`chunked`: of those, how many in
 * more than one chunk of images) and how many fell back to OpenBLAS since the process started,
 * the oneDNN implementations the plans use, and the size of the shim's shared buffer (the
 * largest plan that ran).
 *
 * @returns The counts, the implementation names (e.g. `jit_wino_4x3:avx512_core`) and the
 * buffer's MiB.
 * @example Usage
 * ```ts
 * import { convPathStats } from "./_dnnl_plans.ts";
 * const { onednn, openblas } = convPathStats();
 * if (onednn < 0 || openblas < 0) throw new Error("negative");
 * ```
 */
export function convPathStats(): {
  onednn: number;
  openblas: number;
  chunked: number;
  implementations: string[];
  bufferMiB: number;
} {
  return {
    ...counts,
    implementations: [...implementations].sort(),
    bufferMiB: bufferBytes / 2 ** 20,
  };
}
