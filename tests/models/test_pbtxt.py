"""The config.pbtxt reader shared by the FastAPI server and the zoo tests, and the zoo's writer."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "servers" / "fastapi"))
sys.path.insert(0, str(SOURCE / "models"))
import pbtxt  # noqa: E402
from servebench_zoo import export  # noqa: E402


class Pbtxt(unittest.TestCase):
    def test_reads_triton_config_forms(self):
        text = """
        name: "m"  # a comment
        platform: "pytorch_libtorch"
        max_batch_size: 8
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 1, 8, 8 ] } ]
        output { name: "OUTPUT__0", data_type: TYPE_FP32, dims: 10 }
        dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
        parameters: { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "2" } }
        parameters { key: "X" value { string_value: "a\\"b" } }
        """
        c = pbtxt.parse(text)
        self.assertEqual(pbtxt.first(c, "name"), "m")
        self.assertEqual(pbtxt.first(c, "max_batch_size"), 8)
        self.assertEqual(c["input"][0]["dims"], [1, 8, 8])
        self.assertEqual(c["input"][0]["data_type"], ["TYPE_FP32"])
        self.assertEqual(c["output"][0]["dims"], [10])
        self.assertEqual(c["dynamic_batching"][0]["preferred_batch_size"], [4, 8])
        self.assertEqual(pbtxt.parameters(c), {"INTRA_OP_THREAD_COUNT": "2", "X": 'a"b'})

    def test_rejects_malformed_text(self):
        for bad in ['name: "m', "input [ { name: 1 ", "name: }", "{ x: 1 }", "a: @"]:
            with self.subTest(text=bad), self.assertRaises(pbtxt.PbtxtError):
                pbtxt.parse(bad)

    def test_writer_round_trips(self):
        text = export.config_pbtxt("digits-cnn-int8", (1, 8, 8), (10,), 128, "qnnpack")
        c = pbtxt.parse(text)
        self.assertEqual(pbtxt.first(c, "name"), "digits-cnn-int8")
        self.assertEqual(c["input"][0]["dims"], [1, 8, 8])
        self.assertEqual(pbtxt.first(c["output"][0], "name"), "OUTPUT__0")
        self.assertEqual(pbtxt.first(c["instance_group"][0], "kind"), "KIND_CPU")
        self.assertEqual(pbtxt.parameters(c), {"INTRA_OP_THREAD_COUNT": "1", "QUANTIZED_ENGINE": "qnnpack"})
        self.assertNotIn("QUANTIZED_ENGINE", export.config_pbtxt("m", (64,), (10,), 8, None))


if __name__ == "__main__":
    unittest.main()
