import assert from "node:assert/strict";
import { parityCase } from "./_parity.ts";

const CASES = [
  { model_architecture: "VGGBinaryConnect", dataset: "cifar10" },
  { model_architecture: "VGGBinaryConnect", dataset: "cifar100" },
  { model_architecture: "LRNetBig", dataset: "cifar10" },
] as const;

for (const opts of CASES) {
  for (const kind of ["bayesbinn", "ste"] as const) {
    const name = `${opts.model_architecture} (${opts.dataset})`;
    Deno.test(`buildOnnxModel() matches BinaryNet for ${name} with ${kind} mode weights`, async (t) => {
      const sizes = await parityCase(t, { ...opts }, kind, 2, 12);
      if (opts.model_architecture === "VGGBinaryConnect") {
        assert.ok(
          sizes.packed * 25 <= sizes.float,
          `packed ${sizes.packed} B vs float ${sizes.float} B: > 1/25`,
        );
        console.log(`${name} ${kind}: packed ${sizes.packed} B, float ${sizes.float} B`);
      }
    });
  }
}
