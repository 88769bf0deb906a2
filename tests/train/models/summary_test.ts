import assert from "node:assert/strict";
import { buildSpec } from "../../../train/models/architectures.ts";
import { formatSummary, summarize } from "../../../train/models/summary.ts";

// BinaryConnect on MNIST, by hand:
//   dense 784→2048: 1,605,632 weights = MACs; 1,605,632/8 B = 196.00 KiB
//   dense 2048→2048 (×2): 4,194,304 each; 512.00 KiB each
//   dense 2048→10: 20,480; 2.50 KiB
//   BN 2048 (×3): running mean + var = 4,096 floats = 16.00 KiB each; BN 10: 20 floats = 0.08 KiB
//   totals: 10,014,720 binary, 3·4,096 + 20 = 12,308 real, 10,014,720 MACs
//   size: 10,014,720/8 + 4·12,308 = 1,251,840 + 49,232 = 1,301,072 B = 1270.58 KiB
//   float32: 4·(10,014,720 + 12,308) = 40,108,112 B = 39168.08 KiB; ratio 0.0324
const MLP = `
BinaryConnect stats
+-----------------------------------------------------------------------------------+
|  #  Layer            Output shape     # 1-bit  # 32-bit        MACs  Memory (KiB) |
+-----------------------------------------------------------------------------------+
|  0  flatten          (-1, 784)              0         0           0          0.00 |
|  1  dropout p=0.2    (-1, 784)              0         0           0          0.00 |
|  2  dense 784→2048   (-1, 2048)     1,605,632         0   1,605,632        196.00 |
|  3  batchnorm        (-1, 2048)             0     4,096           0         16.00 |
|  4  relu             (-1, 2048)             0         0           0          0.00 |
|  5  dropout p=0.2    (-1, 2048)             0         0           0          0.00 |
|  6  dense 2048→2048  (-1, 2048)     4,194,304         0   4,194,304        512.00 |
|  7  batchnorm        (-1, 2048)             0     4,096           0         16.00 |
|  8  relu             (-1, 2048)             0         0           0          0.00 |
|  9  dropout p=0.2    (-1, 2048)             0         0           0          0.00 |
| 10  dense 2048→2048  (-1, 2048)     4,194,304         0   4,194,304        512.00 |
| 11  batchnorm        (-1, 2048)             0     4,096           0         16.00 |
| 12  relu             (-1, 2048)             0         0           0          0.00 |
| 13  dropout p=0.2    (-1, 2048)             0         0           0          0.00 |
| 14  dense 2048→10    (-1, 10)          20,480         0      20,480          2.50 |
| 15  batchnorm        (-1, 10)               0        20           0          0.08 |
+-----------------------------------------------------------------------------------+
|     Total                          10,014,720    12,308  10,014,720       1270.58 |
+-----------------------------------------------------------------------------------+
BinaryConnect summary
+-------------------------------------------+
| Total params                   10,027,028 |
| Binary (1-bit) params          10,014,720 |
| Real (32-bit) params               12,308 |
| MACs per example               10,014,720 |
| Model size                    1270.58 KiB |
| Float-32 equivalent          39168.08 KiB |
| Compression ratio of memory        0.0324 |
+-------------------------------------------+`;

// VGGBinaryConnect on CIFAR-10, by hand (MACs = output h·w · k·k·cin·cout, before pooling):
//   conv 3→128 at 32×32: 3,456 weights, 1,024·3,456 = 3,538,944 MACs
//   conv 128→128 at 32×32: 147,456; 150,994,944    conv 128→256 at 16×16: 294,912; 75,497,472
//   conv 256→256 at 16×16: 589,824; 150,994,944    conv 256→512 at 8×8: 1,179,648; 75,497,472
//   conv 512→512 at 8×8: 2,359,296; 150,994,944    (conv weights 4,574,592, conv MACs 607,518,720)
//   FC 8192→1024: 8,388,608; FC 1024→1024: 1,048,576; FC 1024→10: 10,240
//   totals: 14,022,016 binary; MACs 607,518,720 + 9,447,424 = 616,966,144
//   real: 2·(128+128+256+256+512+512+1024+1024+10) = 7,700
//   size: 14,022,016/8 + 4·7,700 = 1,752,752 + 30,800 = 1,783,552 B = 1741.75 KiB
//   float32: 4·14,029,716 = 56,118,864 B = 54803.58 KiB; ratio 0.0318
const VGG = `
VGGBinaryConnect stats
+--------------------------------------------------------------------------------------------------+
|  #  Layer                     Output shape          # 1-bit  # 32-bit         MACs  Memory (KiB) |
+--------------------------------------------------------------------------------------------------+
|  0  conv2d 3×3 3→128 pad 1    (-1, 32, 32, 128)       3,456         0    3,538,944          0.42 |
|  1  batchnorm                 (-1, 32, 32, 128)           0       256            0          1.00 |
|  2  relu                      (-1, 32, 32, 128)           0         0            0          0.00 |
|  3  conv2d 3×3 128→128 pad 1  (-1, 32, 32, 128)     147,456         0  150,994,944         18.00 |
|  4  maxpool 2×2               (-1, 16, 16, 128)           0         0            0          0.00 |
|  5  batchnorm                 (-1, 16, 16, 128)           0       256            0          1.00 |
|  6  relu                      (-1, 16, 16, 128)           0         0            0          0.00 |
|  7  conv2d 3×3 128→256 pad 1  (-1, 16, 16, 256)     294,912         0   75,497,472         36.00 |
|  8  batchnorm                 (-1, 16, 16, 256)           0       512            0          2.00 |
|  9  relu                      (-1, 16, 16, 256)           0         0            0          0.00 |
| 10  conv2d 3×3 256→256 pad 1  (-1, 16, 16, 256)     589,824         0  150,994,944         72.00 |
| 11  maxpool 2×2               (-1, 8, 8, 256)             0         0            0          0.00 |
| 12  batchnorm                 (-1, 8, 8, 256)             0       512            0          2.00 |
| 13  relu                      (-1, 8, 8, 256)             0         0            0          0.00 |
| 14  conv2d 3×3 256→512 pad 1  (-1, 8, 8, 512)     1,179,648         0   75,497,472        144.00 |
| 15  batchnorm                 (-1, 8, 8, 512)             0     1,024            0          4.00 |
| 16  relu                      (-1, 8, 8, 512)             0         0            0          0.00 |
| 17  conv2d 3×3 512→512 pad 1  (-1, 8, 8, 512)     2,359,296         0  150,994,944        288.00 |
| 18  maxpool 2×2               (-1, 4, 4, 512)             0         0            0          0.00 |
| 19  batchnorm                 (-1, 4, 4, 512)             0     1,024            0          4.00 |
| 20  relu                      (-1, 4, 4, 512)             0         0            0          0.00 |
| 21  flatten                   (-1, 8192)                  0         0            0          0.00 |
| 22  dense 8192→1024           (-1, 1024)          8,388,608         0    8,388,608       1024.00 |
| 23  batchnorm                 (-1, 1024)                  0     2,048            0          8.00 |
| 24  relu                      (-1, 1024)                  0         0            0          0.00 |
| 25  dense 1024→1024           (-1, 1024)          1,048,576         0    1,048,576        128.00 |
| 26  batchnorm                 (-1, 1024)                  0     2,048            0          8.00 |
| 27  relu                      (-1, 1024)                  0         0            0          0.00 |
| 28  dense 1024→10             (-1, 10)               10,240         0       10,240          1.25 |
| 29  batchnorm                 (-1, 10)                    0        20            0          0.08 |
+--------------------------------------------------------------------------------------------------+
|     Total                                        14,022,016     7,700  616,966,144       1741.75 |
+--------------------------------------------------------------------------------------------------+
VGGBinaryConnect summary
+-------------------------------------------+
| Total params                   14,029,716 |
| Binary (1-bit) params          14,022,016 |
| Real (32-bit) params                7,700 |
| MACs per example              616,966,144 |
| Model size                    1741.75 KiB |
| Float-32 equivalent          54803.58 KiB |
| Compression ratio of memory        0.0318 |
+-------------------------------------------+`;

Deno.test("formatSummary() pins the BinaryConnect MNIST summary", () => {
  const text = formatSummary(
    summarize(buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist" })),
  );
  assert.equal(text, MLP.slice(1));
});

Deno.test("formatSummary() pins the VGGBinaryConnect CIFAR-10 summary", () => {
  const text = formatSummary(
    summarize(buildSpec({ model_architecture: "VGGBinaryConnect", dataset: "cifar10" })),
  );
  assert.equal(text, VGG.slice(1));
});

Deno.test("summarize() counts BN γ/β as real parameters when affine", () => {
  // MLP_CL affine: BN 100, 100, 10 with mean, var, γ, β → 4·210 = 840 real values.
  const s = summarize(
    buildSpec({ model_architecture: "MLP_CL", dataset: "mnist", batch_affine: true }),
  );
  assert.equal(s.binaryParams, 89_400);
  assert.equal(s.realParams, 840);
  assert.equal(s.macs, 89_400);
  assert.equal(s.memoryBytes, 89_400 / 8 + 4 * 840);
  assert.equal(s.float32Bytes, 4 * (89_400 + 840));
  assert.deepEqual(s.layers.map((l) => l.realParams), [0, 0, 400, 0, 0, 400, 0, 0, 40]);
});

Deno.test("summarize() counts CIFAR-100 VGG weights and MACs", () => {
  // The last FC grows from 1024·10 to 1024·100: +92,160 weights and MACs; BN 100 adds 180 real values.
  const s = summarize(buildSpec({ model_architecture: "VGGBinaryConnect", dataset: "cifar100" }));
  assert.equal(s.binaryParams, 14_114_176);
  assert.equal(s.macs, 616_966_144 + 92_160);
  assert.equal(s.realParams, 7_700 + 180);
});
