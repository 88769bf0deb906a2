/**
 * Optional Weights & Biases logging (the reproduction's `wandb_on`): the resolved config at the
 * start, then one `log` per epoch with the metrics of `metrics.jsonl`, through the official JS SDK
 * `npm:@wandb/sdk`. The SDK is loaded by a dynamic import only when `--wandb` is given, so runs
 * without the flag neither import nor contact it.
 *
 * The SDK reads its API key from `WANDB_API_KEY` (or `~/.netrc`) and the project from
 * `WANDB_PROJECT` (default here: `bayes-binn`, the reproduction's project name).
 * @module
 */
import process from "node:process";
import { UserError } from "../cli/errors.ts";
import type { Callback } from "./trainer.ts";
import type { EpochMetrics } from "./metrics_log.ts";

/** The SDK, pinned (npm:@wandb/sdk@0.5.1) and locked through deno.json; loaded on demand only. */
export const WANDB_SDK = "@wandb/sdk";

/** The subset of the SDK's default export that bnn uses. */
interface WandbSdk {
  init(opts: { project?: string; config?: Record<string, unknown> }): Promise<unknown>;
  log(data: Record<string, unknown>, opts?: { step?: number }): void;
  finish(): Promise<void>;
}

/**
 * A W&B logging failure (SDK not loadable, no API key, network unreachable), as one line.
 *
 * @example Usage
 * ```ts
 * import { WandbError } from "./wandb.ts";
 * if (new WandbError("x").name !== "WandbError") throw new Error();
 * ```
 */
export class WandbError extends UserError {
  /** @param message One line saying what failed. */
  constructor(message: string) {
    super(message);
    this.name = "WandbError";
  }
}

/**
 * Loads the SDK, starts a W&B run with the config and returns a callback that logs each epoch.
 *
 * @param config The resolved config (logged as the run's config).
 * @param load How to import the SDK (tests pass a fake; default: dynamic import of {@linkcode WANDB_SDK}).
 * @returns The callback.
 * @throws {WandbError} If the SDK cannot be loaded or the run cannot start.
 *
 * @example Usage
 * ```ts
 * import { wandbCallback } from "./wandb.ts";
 * const logged: unknown[] = [];
 * const fake = { init: async () => {}, log: (d: unknown) => void logged.push(d), finish: async () => {} };
 * const cb = await wandbCallback({ seed: 1 }, async () => ({ default: fake }));
 * await cb.onEpochEnd?.({ epoch: 0, lr: 1, train_loss: 1, train_acc: 1, val_acc: null,
 *   val_loss: null, test_acc: 1, test_loss: 0, steps: 1, seconds: 1, examples_per_s: 1 });
 * if (logged.length !== 1) throw new Error("not logged");
 * ```
 */
export async function wandbCallback(
  config: object,
  load: () => Promise<{ default: WandbSdk }> = () => import(WANDB_SDK),
): Promise<Callback> {
  let sdk: WandbSdk;
  // the SDK's dependencies use deprecated Node modules; keep their warnings off stderr
  (process as { noDeprecation?: boolean }).noDeprecation = true;
  try {
    sdk = (await load()).default;
  } catch (e) {
    throw new WandbError(
      `--wandb: cannot load ${WANDB_SDK}: ${String((e as Error).message ?? e).split("\n")[0]}`,
    );
  }
  // the SDK logs its own failures (stack traces) to the console; the CLI reports one line instead
  const saved = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = () => {};
  try {
    await sdk.init({
      project: Deno.env.get("WANDB_PROJECT") ?? "bayes-binn",
      config: { ...config } as Record<string, unknown>,
    });
  } catch (e) {
    throw new WandbError(
      `--wandb: cannot start a W&B run (is WANDB_API_KEY set and api.wandb.ai reachable?): ${
        String((e as Error).message ?? e).split("\n")[0]
      }`,
    );
  } finally {
    Object.assign(console, saved);
  }
  return {
    onEpochEnd(m: EpochMetrics) {
      sdk.log({ ...m }, { step: m.epoch });
    },
    async onTrainEnd() {
      await sdk.finish();
    },
  };
}
