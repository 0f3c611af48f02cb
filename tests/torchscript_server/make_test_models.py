#!/usr/bin/python3
"""Writes the TorchScript server's test model repository, reproducibly (fixed seeds).

usage: make_test_models.py OUT_DIR

OUT_DIR/repository/  Triton-layout repository:
  mlp          64->256->256->10 FP32 MLP, max_batch_size 64, unbatched
  mlp_batched  the same weights with dynamic batching
  slow_batched the same weights, batches held up to 300 ms (for the drain-on-SIGTERM test)
  mlp_int8     the same MLP, dynamic int8 quantization packed for qnnpack, with the
               QUANTIZED_ENGINE parameter (torch's default engine here is another one)
  adder        INT32 [-1,4] -> a + version; versions 1 and 2
  pair         no batch dimension; two inputs, two outputs (x+y, x-y)
  thrower      raises on any negative input (the server must answer 500 and keep serving)
  broken       config.pbtxt with an unknown field (must not load; the others must)
OUT_DIR/reference.json  inputs for mlp and the outputs of a direct forward, one sample each,
  for mlp ("outputs") and for mlp_int8 under qnnpack ("int8_outputs").
"""
import json
import os
import sys
import warnings

import torch


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, 256)
        self.fc2 = torch.nn.Linear(256, 256)
        self.fc3 = torch.nn.Linear(256, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class Adder(torch.nn.Module):
    def __init__(self, amount: int):
        super().__init__()
        self.amount = amount

    def forward(self, a):
        return a + self.amount


class Pair(torch.nn.Module):
    def forward(self, x, y):
        return x + y, x - y


class Thrower(torch.nn.Module):
    def forward(self, x):
        if bool((x < 0).any()):
            raise RuntimeError("thrower: negative input refused on purpose")
        return x * 2


MLP_CONFIG = """name: "{name}"
platform: "pytorch_libtorch"
max_batch_size: 64
input [ {{ name: "INPUT__0" data_type: TYPE_FP32 dims: [ 64 ] }} ]
output [ {{ name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] }} ]
instance_group [ {{ count: 1 kind: KIND_CPU }} ]
parameters: {{ key: "INTRA_OP_THREAD_COUNT" value: {{ string_value: "1" }} }}
parameters: {{ key: "INTER_OP_THREAD_COUNT" value: {{ string_value: "1" }} }}
{extra}"""

ADDER_CONFIG = """name: "adder"
max_batch_size: 8
input [ { name: "A" data_type: TYPE_INT32 dims: [ 4 ] } ]
output [ { name: "A_PLUS" data_type: TYPE_INT32 dims: [ 4 ] } ]
"""

PAIR_CONFIG = """name: "pair"
platform: "pytorch_libtorch"
max_batch_size: 0
input [
  { name: "X" data_type: TYPE_FP32 dims: [ 2, 3 ] },
  { name: "Y" data_type: TYPE_FP32 dims: [ 2, 3 ] }
]
output [
  { name: "SUM" data_type: TYPE_FP32 dims: [ 2, 3 ] },
  { name: "DIFF" data_type: TYPE_FP32 dims: [ 2, 3 ] }
]
"""

THROWER_CONFIG = """name: "thrower"
platform: "pytorch_libtorch"
max_batch_size: 8
input [ { name: "X" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
"""

BROKEN_CONFIG = """name: "broken"
platform: "pytorch_libtorch"
max_batch_size: 8
bogus_field: 3
input [ { name: "X" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
"""


def Mlp_with_weights_of(scripted):
    """An eager Mlp with the scripted one's weights (quantize_dynamic works on eager modules)."""
    eager = Mlp().eval()
    eager.load_state_dict(scripted.state_dict())
    return eager


def write_model(repo, name, config, versions):
    """versions: {version number: scripted module}."""
    os.makedirs(os.path.join(repo, name), exist_ok=True)
    with open(os.path.join(repo, name, "config.pbtxt"), "w") as f:
        f.write(config)
    for version, module in versions.items():
        vdir = os.path.join(repo, name, str(version))
        os.makedirs(vdir, exist_ok=True)
        module.save(os.path.join(vdir, "model.pt"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    repo = os.path.join(out, "repository")
    torch.manual_seed(0)
    mlp = torch.jit.script(Mlp().eval())
    write_model(repo, "mlp", MLP_CONFIG.format(name="mlp", extra=""), {1: mlp})
    batching = ("dynamic_batching {\n  preferred_batch_size: [ 16, 32 ]\n"
                "  max_queue_delay_microseconds: 2000\n}\n")
    write_model(repo, "mlp_batched", MLP_CONFIG.format(name="mlp_batched", extra=batching),
                {1: mlp})
    slow = "dynamic_batching {\n  max_queue_delay_microseconds: 300000\n}\n"
    write_model(repo, "slow_batched", MLP_CONFIG.format(name="slow_batched", extra=slow),
                {1: mlp})
    # Quantized with the engine its config names, as models/ does for a non-default engine.
    torch.backends.quantized.engine = "qnnpack"
    # torch 1.13's qnnpack warns on every dynamic Linear call that it ignores reduce_range.
    warnings.filterwarnings("ignore", message="Currently, qnnpack incorrectly ignores")
    int8 = torch.ao.quantization.quantize_dynamic(Mlp_with_weights_of(mlp), {torch.nn.Linear},
                                                  dtype=torch.qint8)
    int8_engine = 'parameters: { key: "QUANTIZED_ENGINE" value: { string_value: "qnnpack" } }\n'
    write_model(repo, "mlp_int8", MLP_CONFIG.format(name="mlp_int8", extra=int8_engine),
                {1: torch.jit.script(int8)})
    write_model(repo, "adder", ADDER_CONFIG,
                {1: torch.jit.script(Adder(1)), 2: torch.jit.script(Adder(2))})
    write_model(repo, "pair", PAIR_CONFIG, {1: torch.jit.script(Pair())})
    write_model(repo, "thrower", THROWER_CONFIG, {1: torch.jit.script(Thrower())})
    write_model(repo, "broken", BROKEN_CONFIG, {1: torch.jit.script(Thrower())})

    # Reference answers: each input through the saved model alone, as libtorch computes it.
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(64, 64, generator=generator)
    loaded = torch.jit.load(os.path.join(repo, "mlp", "1", "model.pt"))
    with torch.inference_mode():
        outputs = [loaded(inputs[i:i + 1])[0] for i in range(inputs.shape[0])]
    loaded_int8 = torch.jit.load(os.path.join(repo, "mlp_int8", "1", "model.pt"))
    with torch.inference_mode():
        int8_outputs = [loaded_int8(inputs[i:i + 1])[0] for i in range(inputs.shape[0])]
    reference = {
        "inputs": [row.tolist() for row in inputs],
        "outputs": [row.tolist() for row in outputs],
        "int8_outputs": [row.tolist() for row in int8_outputs],
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)


if __name__ == "__main__":
    main()
