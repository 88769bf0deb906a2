import assert from "node:assert/strict";
import { DataType, encodeModel, int64Bytes, ProtoWriter } from "../../../export/onnx/proto.ts";
import { HAS_PYTHON_ONNX } from "../_helpers.ts";

Deno.test("ProtoWriter.varint() writes base-128 little-endian groups", () => {
  const cases: [number, number[]][] = [
    [0, [0]],
    [1, [1]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [150, [0x96, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    // negative int64: two's complement, always 10 bytes
    [-1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  for (const [v, bytes] of cases) {
    const w = new ProtoWriter();
    w.varint(v);
    assert.deepEqual([...w.finish()], bytes, `varint(${v})`);
  }
  assert.throws(() => new ProtoWriter().varint(0.5), RangeError);
});

Deno.test("ProtoWriter writes tags, floats, strings and nested messages", () => {
  const w = new ProtoWriter();
  w.float(2, 1); // tag (2<<3)|5 = 0x15, then 1.0f LE = 00 00 80 3f
  w.string(1, "ab"); // 0x0a, len 2
  w.message(3, (m) => m.int(1, 5)); // 0x1a, len 2, [0x08, 0x05]
  assert.deepEqual([...w.finish()], [0x15, 0, 0, 0x80, 0x3f, 0x0a, 2, 97, 98, 0x1a, 2, 0x08, 0x05]);
  // grows past its initial 256 bytes
  const big = new ProtoWriter();
  big.bytes(1, new Uint8Array(1000).fill(7));
  const out = big.finish();
  assert.equal(out.length, 1 + 2 + 1000);
  assert.equal(out[1002], 7);
});

Deno.test("int64Bytes() writes little-endian two's complement", () => {
  assert.deepEqual([...int64Bytes([-1, 2])], [...new Array(8).fill(255), 2, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test({
  name: "encodeModel() output is read back field by field by python3-onnx" +
    (HAS_PYTHON_ONNX ? "" : " [needs python3-onnx for /usr/bin/python3]"),
  ignore: !HAS_PYTHON_ONNX,
}, async () => {
  const bytes = encodeModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: "bnn",
    producerVersion: "9.9",
    docString: "doc ü",
    graphName: "g",
    nodes: [{
      opType: "Gemm",
      inputs: ["x", "w"],
      outputs: ["y"],
      attributes: {
        alpha: { kind: "float", value: 0.5 },
        transB: { kind: "int", value: 1 },
      },
    }],
    initializers: [{
      name: "w",
      dataType: DataType.FLOAT,
      dims: [1, 2],
      raw: new Uint8Array(new Float32Array([3, -4]).buffer),
    }],
    inputs: [{ name: "x", elemType: DataType.FLOAT, shape: ["N", 2] }],
    outputs: [{ name: "y", elemType: DataType.FLOAT, shape: ["N", 1] }],
    metadata: { k: "v" },
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/m.onnx`, bytes);
    const script = `import onnx, json, sys
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
n = m.graph.node[0]
print(json.dumps({"ir": m.ir_version, "opset": m.opset_import[0].version, "producer": m.producer_name,
  "pv": m.producer_version, "doc": m.doc_string, "op": n.op_type, "inputs": list(n.input),
  "attrs": {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute},
  "w": numpy_helper.to_array(m.graph.initializer[0]).tolist(),
  "in_dims": [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim],
  "meta": {p.key: p.value for p in m.metadata_props}}))`;
    const r = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, `${dir}/m.onnx`],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const got = JSON.parse(new TextDecoder().decode(r.stdout));
    assert.deepEqual(got, {
      ir: 8,
      opset: 17,
      producer: "bnn",
      pv: "9.9",
      doc: "doc ü",
      op: "Gemm",
      inputs: ["x", "w"],
      attrs: { alpha: 0.5, transB: 1 },
      w: [[3, -4]],
      in_dims: ["N", 2],
      meta: { k: "v" },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
