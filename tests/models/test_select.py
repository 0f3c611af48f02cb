"""Preparing part of the zoo (models/prepare.py --models/--families): only what was asked for is
built, later preparations add to the repository without touching what it holds, zoo.json stays
the merged index, and a preparation killed half way leaves nothing that looks complete.

The truth is the --quick fixture zoo ($SERVEBENCH_ZOO, prepared whole by CTest): a model built
alone must be the model built with its whole family, card for card (timings and the TorchScript
archive's class numbering aside, see SAME_EXCEPT) and file for file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
PREPARE = SOURCE / "models" / "prepare.py"
ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))
# What differs between two preparations of the same model: timings, and the TorchScript archive,
# whose generated class names are numbered in the order a process scripts modules (so its size
# and bytes depend on what else the process prepared; the weights do not, see weights_sha256).
VOLATILE = {"preparation_seconds", "prepared_at", "files", "file_size_bytes"}
TIMINGS = "engines_timed_us_batch1_1thread"
# The fixture's options; no TF SavedModels (TensorFlow's import would double the time), which are
# therefore left out of the comparison.
OPTIONS = ["--quick", "--no-savedmodels"]


def prepare(out: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PREPARE), "--out", str(out), *OPTIONS, *args],
                          capture_output=True, text=True, timeout=240, check=check)


def card(repo: Path, name: str) -> dict:
    return json.loads((repo / name / "card.json").read_text())


def comparable(c: dict) -> dict:
    c = {k: v for k, v in c.items() if k not in VOLATILE}
    c["technique_parameters"].get("quantization", {}).pop(TIMINGS, None)
    return c


def model_dirs(repo: Path) -> list[str]:
    return sorted(p.name for p in repo.iterdir() if p.is_dir())


@unittest.skipUnless(ZOO.is_dir(), "SERVEBENCH_ZOO must name a prepared --quick zoo")
class SelectivePreparation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.repo = Path(self.tmp.name) / "models"

    def tearDown(self):
        self.tmp.cleanup()

    def assertSameAsFixture(self, name: str):
        self.assertEqual(comparable(card(self.repo, name)), comparable(card(ZOO, name)))
        def files_of(repo: Path) -> list[str]:
            return sorted(str(p.relative_to(repo / name)) for p in (repo / name).rglob("*")
                          if p.is_file() and p.name != "model.pt" and "savedmodel" not in str(p.relative_to(repo)))

        files = files_of(ZOO)
        self.assertEqual(files, files_of(self.repo))
        for f in files:
            if f != "card.json":
                self.assertEqual((self.repo / name / f).read_bytes(), (ZOO / name / f).read_bytes(), f)

    def test_a_variant_brings_its_base_only_and_later_ones_are_added(self):
        out = prepare(self.repo, "--models", "digits-mlp-int8").stdout
        self.assertIn("digits-mlp: built 2 models", out)
        self.assertEqual(model_dirs(self.repo), ["digits-mlp", "digits-mlp-int8"])
        index = json.loads((self.repo / "zoo.json").read_text())
        fixture = json.loads((ZOO / "zoo.json").read_text())
        self.assertEqual(sorted(index["models"]), ["digits-mlp", "digits-mlp-int8"])
        self.assertEqual(index["families"]["digits-mlp"]["models"], ["digits-mlp", "digits-mlp-int8"])
        self.assertEqual(list(index["families"]), ["digits-mlp"])
        self.assertEqual(index["plan"], {f: e["models"] for f, e in fixture["families"].items()})
        for name in ("digits-mlp", "digits-mlp-int8"):
            with self.subTest(model=name):
                self.assertSameAsFixture(name)

        # A later preparation adds prune90, derived from the base already there, which it does
        # not rewrite. A family an earlier preparation left (here: the fixture's digits-cnn) stays,
        # listed as kept.
        for path in (ZOO / "digits-cnn").rglob("*"):
            target = self.repo / "digits-cnn" / path.relative_to(ZOO / "digits-cnn")
            target.mkdir(parents=True) if path.is_dir() else (target.parent.mkdir(parents=True, exist_ok=True),
                                                              os.link(path, target))
        before = {n: (self.repo / n / "1" / "model.pt").stat().st_ino
                  for n in ("digits-mlp", "digits-mlp-int8", "digits-cnn")}
        out = prepare(self.repo, "--models", "digits-mlp-prune90").stdout
        self.assertIn("digits-mlp: built 1 models", out)
        self.assertNotIn("rebuilding the family", out)
        self.assertIn("0 reused, 1 kept", out)
        self.assertEqual(before, {n: (self.repo / n / "1" / "model.pt").stat().st_ino for n in before})
        index = json.loads((self.repo / "zoo.json").read_text())
        self.assertEqual(sorted(index["models"]), ["digits-cnn", "digits-mlp", "digits-mlp-int8", "digits-mlp-prune90"])
        self.assertEqual(index["families"]["digits-mlp"]["models"],
                         ["digits-mlp", "digits-mlp-int8", "digits-mlp-prune90"])
        self.assertEqual(index["families"]["digits-cnn"], {**fixture["families"]["digits-cnn"],
                                                           "models": ["digits-cnn"], "status": "kept"})
        self.assertSameAsFixture("digits-mlp-prune90")

        # Asking for what is there builds nothing.
        out = prepare(self.repo, "--models", "digits-mlp-prune90").stdout
        self.assertIn("0 families built, 1 reused, 1 kept", out)
        self.assertEqual(json.loads((self.repo / "zoo.json").read_text())["models"], index["models"])

    def test_concurrent_preparations_both_end_up_in_the_index(self):
        # The second waits for the first's lock, then adds int8 to the base the first wrote.
        started = [subprocess.Popen([sys.executable, str(PREPARE), "--out", str(self.repo), *OPTIONS,
                                     "--models", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                   for name in ("digits-mlp", "digits-mlp-int8")]
        for p in started:
            output = p.communicate(timeout=240)[0]
            self.assertEqual(p.returncode, 0, output)
            self.assertNotIn("rebuilding the family", output)
        index = json.loads((self.repo / "zoo.json").read_text())
        self.assertEqual(sorted(index["models"]), ["digits-mlp", "digits-mlp-int8"])
        self.assertEqual(model_dirs(self.repo), ["digits-mlp", "digits-mlp-int8"])
        for name in index["models"]:
            self.assertSameAsFixture(name)

    def test_a_killed_preparation_leaves_no_model_that_looks_complete(self):
        # Killed while its staging folder exists (models built, being written or moved in).
        for attempt in range(5):
            proc = subprocess.Popen([sys.executable, str(PREPARE), "--out", str(self.repo), *OPTIONS,
                                     "--models", "digits-mlp-int8"], stdout=subprocess.DEVNULL)
            staging = []
            deadline = time.monotonic() + 200
            while not staging and proc.poll() is None and time.monotonic() < deadline:
                staging = list(self.repo.parent.glob(".models.staging-digits-mlp-*"))
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if staging and staging[0].exists():
                break
            self.tmp.cleanup()
            self.tmp = tempfile.TemporaryDirectory()
            self.repo = Path(self.tmp.name) / "models"
        else:
            self.skipTest("the preparation was never caught with its staging folder")
        listed = set()
        if (self.repo / "zoo.json").exists():
            listed = set(json.loads((self.repo / "zoo.json").read_text())["models"])
        self.assertEqual(listed, set(), "zoo.json is written after the models")
        for name in model_dirs(self.repo):  # moved in whole, or not at all
            with self.subTest(model=name):
                self.assertSameAsFixture(name)

        out = prepare(self.repo, "--models", "digits-mlp-int8").stdout
        self.assertIn("left by an interrupted preparation", out)
        self.assertEqual(list(self.repo.parent.glob(".models.staging-*")), [])
        self.assertEqual(model_dirs(self.repo), ["digits-mlp", "digits-mlp-int8"])
        self.assertEqual(sorted(json.loads((self.repo / "zoo.json").read_text())["models"]),
                         ["digits-mlp", "digits-mlp-int8"])

    def test_names_outside_the_zoo_are_refused_up_front(self):
        done = prepare(self.repo, "--models", "digits-mlp,resnet18", check=False)
        self.assertEqual(done.returncode, 2)
        self.assertIn("no model resnet18 in the --quick zoo (models: digits-mlp,", done.stderr)
        done = prepare(self.repo, "--families", "digits", check=False)
        self.assertEqual(done.returncode, 2)
        self.assertIn("no family digits in the --quick zoo (families: digits-mlp, digits-cnn, mobilenet_v2)",
                      done.stderr)
        self.assertFalse(self.repo.exists())


if __name__ == "__main__":
    unittest.main()
