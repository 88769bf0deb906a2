import assert from "node:assert/strict";
import { parityCase } from "./_parity.ts";

const CASES = [
  { model_architecture: "BinaryConnect", dataset: "mnist" },
  { model_architecture: "MLP_CL", dataset: "mnist" },
  { model_architecture: "MLP_CL", dataset: "mnist", batch_affine: true },
  { model_architecture: "LRNetSmall", dataset: "mnist" },
] as const;

for (const opts of CASES) {
  for (const kind of ["bayesbinn", "ste"] as const) {
    const name = `${opts.model_architecture}${"batch_affine" in opts ? " (affine BN)" : ""}`;
    Deno.test(`buildOnnxModel() matches BinaryNet for ${name} with ${kind} mode weights`, async (t) => {
      const sizes = await parityCase(t, { ...opts }, kind, 8, 11);
      if (opts.model_architecture === "BinaryConnect") {
        assert.ok(
          sizes.packed * 25 <= sizes.float,
          `packed ${sizes.packed} B vs float ${sizes.float} B: > 1/25`,
        );
        console.log(`${name} ${kind}: packed ${sizes.packed} B, float ${sizes.float} B`);
      }
    });
  }
}
