/**
 * Swaps tfjs kernels in and out: remembers each backend's original kernel the first time it is
 * replaced, so a process can switch between bnn's kernel sets (tests do) and fall back to the
 * original for configurations a fast kernel does not handle.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const originals = new Map<string, tf.KernelConfig | null>();

/** The backend's own kernel for `name` (before bnn replaced it), or null if it has none. */
export function originalKernel(name: string, backendName: string): tf.KernelConfig | null {
  const key = `${backendName}/${name}`;
  if (!originals.has(key)) originals.set(key, tf.getKernel(name, backendName) ?? null);
  return originals.get(key)!;
}

/** Calls the backend's original kernel for `name` with the same arguments. */
export function callOriginal(
  name: string,
  backendName: string,
  args: Parameters<tf.KernelFunc>[0],
): tf.TensorInfo | tf.TensorInfo[] {
  const k = originalKernel(name, backendName);
  if (!k) throw new Error(`Kernel '${name}' has no original implementation on '${backendName}'`);
  return k.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
}

/** Calls the currently registered kernel `name` of a backend and returns its single output. */
export function run(
  name: string,
  backendName: string,
  args: Parameters<tf.KernelFunc>[0],
): tf.TensorInfo {
  return tf.getKernel(name, backendName)!.kernelFunc(args) as tf.TensorInfo;
}

/**
 * Registers `kernelFunc` for `name` on `backendName`, replacing what is there; keeps the
 * original's setup function so the backend still initializes it. `null` restores the original.
 */
export function setKernel(
  name: string,
  backendName: string,
  kernelFunc: tf.KernelFunc | null,
): void {
  const orig = originalKernel(name, backendName);
  if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
  if (kernelFunc) {
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: orig?.setupFunc });
  } else if (orig) tf.registerKernel(orig);
}
