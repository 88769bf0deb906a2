/**
 * bnn's `webgpu` backend: `@tensorflow/tfjs-backend-webgpu` 4.22 over Deno's built-in WebGPU
 * (wgpu → Vulkan on Linux: a GPU's driver, or Mesa's software lavapipe).
 *
 * {@linkcode setUpWebGpu} finds the adapter, registers tfjs's `webgpu` backend with a factory of
 * its own (the package's, minus the silent failure: no adapter is ONE line naming the fix),
 * makes the matmuls deterministic (./kernels/webgpu_mat_mul.ts) and gives reads a clear error.
 * Deno prints `XDG_RUNTIME_DIR is invalid or not set` when that variable is missing, so it is set
 * to a fresh temp folder first (wgpu only needs it to exist).
 *
 * Reads: Deno's WebGPU has no synchronous readback (tfjs's `dataSync` goes through a 2D canvas
 * Deno does not have), so on this backend values are read with `await tensor.data()`; a
 * synchronous read throws one line saying so. The tfjs package loads only when this backend is
 * asked for.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setKernel } from "./_registry.ts";
import { deterministicMatMul } from "./kernels/webgpu_mat_mul.ts";

/**
 * What {@linkcode setUpWebGpu} found.
 *
 * @example Usage
 * ```ts
 * import type { WebGpuInfo } from "./webgpu.ts";
 * const info: WebGpuInfo = { adapter: "llvmpipe (LLVM 15.0.6, 256 bits)", fallback: true };
 * if (!info.fallback) throw new Error();
 * ```
 */
export interface WebGpuInfo {
  /** The adapter's description (the GPU's name, or `llvmpipe …` for the software Vulkan). */
  adapter: string;
  /** Whether it is a fallback (software) adapter. */
  fallback: boolean;
}

/**
 * Sets `XDG_RUNTIME_DIR` to a new temp folder when it is unset or not a folder (best effort:
 * without --allow-env or --allow-write nothing changes).
 *
 * @example Usage
 * ```ts
 * import { ensureXdgRuntimeDir } from "./webgpu.ts";
 * ensureXdgRuntimeDir();
 * if (!Deno.statSync(Deno.env.get("XDG_RUNTIME_DIR")!).isDirectory) throw new Error();
 * ```
 */
export function ensureXdgRuntimeDir(): void {
  try {
    const dir = Deno.env.get("XDG_RUNTIME_DIR");
    if (dir && Deno.statSync(dir).isDirectory) return;
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return;
  }
  try {
    Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "bnn-xdg-" }));
  } catch {
    // no permission: Deno only prints a warning
  }
}

/**
 * The WebGPU adapter Deno offers (high-performance preference), or null: no `navigator.gpu`,
 * no driver, or no device it can use.
 *
 * @example Usage
 * ```ts
 * import { findWebGpuAdapter } from "./webgpu.ts";
 * const adapter = await findWebGpuAdapter();
 * console.log(adapter ? adapter.info.description : "no WebGPU adapter");
 * ```
 */
export async function findWebGpuAdapter(): Promise<GPUAdapter | null> {
  ensureXdgRuntimeDir();
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  return await gpu.requestAdapter({ powerPreference: "high-performance" });
}

/** The device limits tfjs-backend-webgpu asks for: the adapter's own. */
function deviceDescriptor(adapter: GPUAdapter): GPUDeviceDescriptor {
  const l = adapter.limits;
  const features = ["timestamp-query", "bgra8unorm-storage"] as GPUFeatureName[];
  return {
    requiredFeatures: features.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/** Replaces the backend's synchronous read (a 2D-canvas path Deno lacks) by a clear error. */
function refuseSyncReads(backend: tf.KernelBackend): void {
  const b = backend as unknown as {
    readSync(dataId: object): unknown;
    tensorMap: { get(dataId: object): { values?: unknown } | undefined };
  };
  const readSync = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    if (b.tensorMap.get(dataId)?.values != null) return readSync(dataId); // already on the CPU
    throw new Error(
      "Cannot read a webgpu tensor synchronously (dataSync, arraySync): Deno's WebGPU has no " +
        "synchronous readback; use `await tensor.data()` (bnn's trainer does not yet: see the " +
        "README's GPU (WebGPU) section)",
    );
  };
}

let registered: WebGpuInfo | null = null;

/**
 * Finds the adapter and registers tfjs's `webgpu` backend on it (once per process; later calls
 * return the first result). Does not switch to it: `tf.setBackend("webgpu")` does.
 *
 * @returns The adapter's description.
 * @throws {Error} One line, when no adapter exists, naming how to get one.
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * import { setUpWebGpu } from "./webgpu.ts";
 * const { adapter } = await setUpWebGpu();
 * await tf.setBackend("webgpu");
 * console.log(adapter, await tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).data());
 * ```
 */
export async function setUpWebGpu(): Promise<WebGpuInfo> {
  if (registered) return registered;
  const adapter = await findWebGpuAdapter();
  if (!adapter) {
    throw new Error(
      "Cannot init backend 'webgpu': no WebGPU adapter found (navigator.gpu.requestAdapter() " +
        "gave none); install a Vulkan driver (the GPU's, or `apt-get install mesa-vulkan-drivers` " +
        "for a slow software one) or pick another --backend",
    );
  }
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", async () => {
    const device = await adapter.requestDevice(deviceDescriptor(adapter));
    const backend = new WebGPUBackend(device, adapter.info as unknown as GPUAdapterInfo);
    refuseSyncReads(backend);
    return backend;
  }, 0);
  setKernel("BatchMatMul", "webgpu", deterministicMatMul("BatchMatMul"));
  setKernel("_FusedMatMul", "webgpu", deterministicMatMul("_FusedMatMul"));
  registered = { adapter: adapter.info.description, fallback: adapter.info.isFallbackAdapter };
  return registered;
}

/**
 * Reads every tfjs variable back to the host (`await data()` each), so that synchronous reads of
 * them — the optimizers' and BatchNorm's `getState`, checkpoints — work on `webgpu` until a
 * variable next changes (the backend keeps the values it read). On the CPU backends the data is
 * already on the host.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { readVariablesBack } from "./webgpu.ts";
 * const v = tf.variable(tf.tensor1d([1, 2]));
 * await readVariablesBack();
 * if (v.dataSync()[1] !== 2) throw new Error();
 * v.dispose();
 * ```
 */
export async function readVariablesBack(): Promise<void> {
  if (tf.getBackend() !== "webgpu") return; // CPU backends read synchronously already
  await Promise.all(Object.values(tf.engine().registeredVariables).map((v) => v.data()));
}

/**
 * Submits the GPU work tfjs has queued so far (it batches dispatches and submits them when it
 * reads, or every few), so the GPU runs it while the host goes on; a no-op on other backends.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { flushGpuQueue } from "./webgpu.ts";
 * const y = tf.square(tf.tensor1d([3]));
 * flushGpuQueue();
 * if ((await y.data())[0] !== 9) throw new Error();
 * y.dispose();
 * ```
 */
export function flushGpuQueue(): void {
  const b = tf.backend() as {
    ensureCommandEncoderReady?: () => void;
    endComputePassEncoder?: () => void;
    submitQueue?: () => void;
  };
  if (!b.submitQueue || !b.ensureCommandEncoderReady || !b.endComputePassEncoder) return;
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.submitQueue();
}
