/**
 * The geometry of an NHWC 2-D convolution as bnn's native im2col/col2im kernels take it.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeLib } from "../_libs.ts";
import { scratch } from "../_wasm_heap.ts";

/** Shapes, strides, dilations and padding of one convolution. */
export interface ConvGeometry {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  CO: number;
  OH: number;
  OW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  /** KH·KW·C: the length of one im2col row. */
  K: number;
}

/** Conv2D-like attributes. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The geometry of a convolution, or null when it is not NHWC. */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): ConvGeometry | null {
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const g: ConvGeometry = {
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    KH: info.filterHeight,
    KW: info.filterWidth,
    CO: info.outChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    K: info.filterHeight * info.filterWidth * info.inChannels,
  };
  return g;
}

/** True when im2col is the identity (1×1 filter, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return g.KH === 1 && g.KW === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 &&
    g.OH === g.H && g.OW === g.W;
}

/** Images per im2col chunk so that the column buffer stays under `budget` floats. */
export function chunkImages(g: ConvGeometry, budget = 1 << 21): number {
  return Math.max(1, Math.min(g.N, Math.floor(budget / Math.max(1, g.OH * g.OW * g.K))));
}

/** The 15 integer geometry arguments of the native im2col/col2im. */
export type Fifteen = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** The native im2col/col2im argument list for images n0..n0+count-1. */
export function geometryArgs(g: ConvGeometry, n0: number, count: number): Fifteen {
  return [n0, count, g.H, g.W, g.C, g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.OH, g.OW];
}

/**
 * Walks the im2col matrix of `X` (rows n·OH·OW + oh·OW + ow, K columns) in chunks of images,
 * calling `body(cols, n0, count)` with the rows of images n0..n0+count−1. A pointwise conv's
 * matrix is `X` itself: one call, nothing copied. `cols` is reused between calls.
 */
export function forEachColumnChunk(
  g: ConvGeometry,
  X: Float32Array,
  native: NativeLib,
  body: (cols: Float32Array, n0: number, count: number) => void,
): void {
  if (isPointwise(g)) {
    body(X, 0, g.N);
    return;
  }
  const chunk = chunkImages(g);
  const cols = scratch(chunk * g.OH * g.OW * g.K);
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    native.bnn_im2col(X, cols, ...geometryArgs(g, n0, count));
    body(cols, n0, count);
  }
}
