"""The zoo's plan and its builder: which models exist, how each is made, and caching.

A *family* is a base model with its compressed variants (digits-mlp and its int8, pruned,
structured-pruned and distilled versions, for instance). Families are the unit of caching:
each has a key hashing everything its models depend on (this package's source, the options,
seeds and library versions); when every model of a family is present with that key in its
card, the family is reused untouched.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import sklearn
import torch
import torchvision
from torch import nn

from . import compress, data, evaluate, export, nets, test_data, train
from .plan import BASE_SEED, Options, families, select  # noqa: F401  (the zoo's API)

SOURCE_DIR = Path(__file__).resolve().parent
GENERATOR = "servebench models/prepare.py"
ZOO_INDEX = "zoo.json"


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "quantized_engines_supported": [e for e in torch.backends.quantized.supported_engines if e != "none"],
    }


# Sources the models do not depend on: the test data written beside them (test_data.py) can
# change, or be added to an existing zoo, without retraining anything.
UNKEYED_SOURCES = {"test_data.py"}


def cache_key(family: str, options: Options) -> str:
    """Hash of everything a family's model files depend on."""
    h = hashlib.sha256()
    sources = [p for p in sorted(SOURCE_DIR.glob("*.py")) if p.name not in UNKEYED_SOURCES]
    sources.append(SOURCE_DIR.parent / "prepare.py")
    for path in sources:
        if path.exists():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    versions = library_versions()
    versions.pop("python")  # patch releases of Python do not change the models
    h.update(json.dumps({"family": family, "options": options.__dict__, "versions": versions}, sort_keys=True).encode())
    return h.hexdigest()[:16]


@dataclass
class Variant:
    """One model about to be written: the eager module plus everything its card says."""

    name: str
    model: nn.Module
    technique: str
    technique_parameters: dict
    architecture: str
    input_dims: tuple
    output_dims: tuple
    max_batch_size: int
    seed: int
    base_model: str | None = None
    training: dict | None = None
    quantized_engine: str | None = None
    extra: dict = field(default_factory=dict)
    build_seconds: float = 0.0


class Stopwatch:
    """Times each variant's own build steps (shared steps, like training the teacher, go to the
    base model) so a card's preparation time is what that variant cost."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self.start = now - self.start, now
        return round(elapsed, 3)


# --------------------------------------------------------------------------- digits families


def _quantization_card(engine: str, timings: dict, requested: str, kind: str) -> dict:
    return {
        "engine": engine,
        "engine_policy": requested,
        "engines_timed_us_batch1_1thread": timings,
        "default_engine_of_this_torch": _default_engine(),
        "kind": kind,
    }


_DEFAULT_ENGINE = torch.backends.quantized.engine


def _default_engine() -> str:
    return _DEFAULT_ENGINE


def _build_int8(options: Options, build: Callable[[str], nn.Module], example: torch.Tensor) -> tuple[str, nn.Module, dict]:
    """Build an int8 model under the engine policy, timing every available engine for the card."""
    policy = options.qengine
    if policy == "default":
        requested = _default_engine()
    elif policy == "fastest":
        requested = "auto"
    else:
        requested = policy
    timings, built = compress.time_engines(build, example)
    engine = min(timings, key=timings.get) if requested == "auto" else requested
    if engine not in built:
        raise RuntimeError(f"quantized engine {engine!r} is not available here: {sorted(built)}")
    torch.backends.quantized.engine = engine
    return engine, built[engine], timings


def build_digits_family(kind: str, options: Options, digits: data.Digits, only: set[str] | None = None) -> list[Variant]:
    """digits-mlp or digits-cnn: train the base, then derive every compressed variant, or those
    of `only` (the base is always built: the others derive from it). Each variant is made from
    the base with its own seeds, so skipping one leaves the others as they would be."""
    image = kind == "cnn"
    family = f"digits-{kind}"
    seed = options.seed + (100 if image else 0)
    x_train, y_train, _, _ = data.tensors(digits, image)
    input_dims = (1, 8, 8) if image else (64,)
    example = x_train[:1]
    common = dict(input_dims=input_dims, output_dims=(10,), max_batch_size=128)
    make_base = (lambda: nets.DigitsCNN()) if image else (lambda: nets.DigitsMLP())
    watch = Stopwatch()
    variants: list[Variant] = []

    def wanted(name: str) -> bool:
        return only is None or name in only

    torch.manual_seed(seed)
    base = make_base()
    recipe = train.fit(base, x_train, y_train, epochs=options.epochs(kind), seed=seed + 1)
    variants.append(Variant(family, base, "fp32 baseline (no compression)", {}, base.describe(), seed=seed,
                            training=recipe, build_seconds=watch.lap(), **common))

    # int8, dynamic: Linear weights int8, activations quantized per batch at run time.
    if wanted(f"{family}-int8"):
        engine, q, timings = _build_int8(options, lambda e: compress.quantize_dynamic_int8(base, e), example)
        variants.append(Variant(
            f"{family}-int8", q, "int8 dynamic quantization (torch.ao.quantization.quantize_dynamic)",
            {"dtype": "qint8", "quantized_modules": ["Linear"],
             "activations": "quantized to quint8 per batch at run time (reduce_range=True, which qnnpack ignores)",
             "fp32_modules": ["Conv2d"] if image else [],
             "quantization": _quantization_card(engine, timings, options.qengine, "dynamic")},
            base.describe(), seed=seed, base_model=family, quantized_engine=engine,
            build_seconds=watch.lap(), **common))

    if image and wanted(f"{family}-int8-static"):
        # int8, static: the honest int8 for a CNN, convolutions included.
        calibration = [x_train[i : i + 64] for i in range(0, len(x_train), 64)]
        engine, q, timings = _build_int8(
            options, lambda e: compress.quantize_static_int8(base, e, calibration), example)
        variants.append(Variant(
            f"{family}-int8-static", q, "int8 static post-training quantization (torch.ao FX graph mode)",
            {"dtype": "quint8 activations, qint8 weights", "quantized_modules": ["Conv2d", "Linear", "ReLU", "MaxPool2d"],
             "calibration": f"all {len(x_train)} training images, batches of 64",
             "quantization": _quantization_card(engine, timings, options.qengine, "static")},
            base.describe(), seed=seed, base_model=family, quantized_engine=engine,
            build_seconds=watch.lap(), **common))

    finetune = options.epochs("finetune")
    for amount in (0.5, 0.9):
        if not wanted(f"{family}-prune{int(amount * 100)}"):
            continue
        pruned = copy.deepcopy(base)
        targets = compress.prune_unstructured(pruned, amount)
        ft = train.fit(pruned, x_train, y_train, epochs=finetune, seed=seed + 2, lr=5e-4)
        compress.make_pruning_permanent(targets)
        measured = compress.sparsity(pruned)
        variants.append(Variant(
            f"{family}-prune{int(amount * 100)}", pruned,
            "unstructured magnitude pruning (global L1 over Linear/Conv weights), fine-tuned",
            {"requested_sparsity": amount, "scope": "global over all Linear and Conv2d weights; biases kept",
             "method": "torch.nn.utils.prune.global_unstructured(L1Unstructured), masks kept during fine-tuning",
             "sparsity": measured,
             "note": "weights stay dense tensors: dense kernels do the same work, so no speed-up is expected"},
            base.describe(), seed=seed, base_model=family, training=ft,
            build_seconds=watch.lap(), **common))

    keep = 0.5
    if wanted(f"{family}-structured50"):
        shrink = compress.shrink_cnn if image else compress.shrink_mlp
        small = shrink(base, keep)
        ft = train.fit(small, x_train, y_train, epochs=finetune, seed=seed + 3, lr=5e-4)
        variants.append(Variant(
            f"{family}-structured50", small,
            "structured pruning (remove neurons/filters with the smallest L1 norm), fine-tuned",
            {"keep_fraction": keep, "importance": "L1 norm of each neuron's incoming weights / each filter",
             "layers_before": base.describe(), "layers_after": small.describe()},
            small.describe(), seed=seed, base_model=family, training=ft,
            build_seconds=watch.lap(), **common))

    if not wanted(f"{family}-distilled"):
        return variants
    teacher_logits = train.logits_of(base, x_train)
    make_student = (lambda: nets.DigitsCNN(channels=(8, 16), hidden=32)) if image else (lambda: nets.DigitsMLP(hidden=(32,)))
    student_epochs = options.epochs("student") if not image else options.epochs("cnn")
    torch.manual_seed(seed + 4)
    student = make_student()
    kd = train.fit(student, x_train, y_train, epochs=student_epochs, seed=seed + 5, lr=2e-3,
                   teacher_logits=teacher_logits, temperature=4.0, alpha=0.7)
    # The same student trained on labels alone, for the card: what did distillation add?
    torch.manual_seed(seed + 4)
    alone = make_student()
    train.fit(alone, x_train, y_train, epochs=student_epochs, seed=seed + 5, lr=2e-3)
    _, _, x_test, y_test = data.tensors(digits, image)
    alone_acc = evaluate.top1(alone, x_test, y_test)
    variants.append(Variant(
        f"{family}-distilled", student, "knowledge distillation into a smaller student",
        {"teacher": family, "student": student.describe(), "temperature": 4.0, "alpha_soft_loss_weight": 0.7,
         "soft_targets": "teacher logits on the training split, softened with the temperature",
         "same_student_trained_without_teacher": {**alone_acc, "note": "same seeds and epochs, labels only, eager model"}},
        student.describe(), seed=seed + 4, base_model=family, training=kd,
        build_seconds=watch.lap(), **common))
    return variants


# --------------------------------------------------------------------- torchvision families


def build_vision_family(name: str, options: Options, only: set[str] | None = None) -> list[Variant]:
    """resnet18 / mobilenet_v2 with seeded random weights: fp32 and static int8 (unless `only`
    leaves it out)."""
    seed = options.seed + {"resnet18": 200, "mobilenet_v2": 300}[name]
    watch = Stopwatch()
    model = nets.seeded_torchvision(name, seed)
    common = dict(input_dims=(3, 224, 224), output_dims=(1000,), max_batch_size=32)
    arch = f"torchvision.models.{name}(weights=None), seeded random weights, BatchNorm statistics " \
           f"re-estimated on 4 batches of 8 seeded N(0,1) images"
    na = {"top1": None, "status": "not applicable: seeded random weights, not trained on any data set"}
    variants = [Variant(name, model, "fp32 baseline (no compression)", {}, arch, seed=seed, extra={"accuracy": na},
                        build_seconds=watch.lap(), **common)]
    if only is not None and f"{name}-int8" not in only:
        return variants
    generator = torch.Generator().manual_seed(seed + 2)
    calibration = [torch.randn(4, 3, 224, 224, generator=generator) for _ in range(2)]
    example = torch.randn(1, 3, 224, 224, generator=generator)
    engine, q, timings = _build_int8(options, lambda e: compress.quantize_static_int8(model, e, calibration), example)
    variants.append(Variant(
        f"{name}-int8", q, "int8 static post-training quantization (torch.ao FX graph mode)",
        {"dtype": "quint8 activations, qint8 weights", "calibration": "2 batches of 4 seeded N(0,1) images",
         "quantization": _quantization_card(engine, timings, options.qengine, "static")},
        arch, seed=seed, base_model=name, quantized_engine=engine, extra={"accuracy": na},
        build_seconds=watch.lap(), **common))
    return variants


# ------------------------------------------------------------------------------- writing


def _is_image(variant: Variant) -> bool:
    return len(variant.input_dims) == 3 and variant.input_dims[0] == 1


def _probe(variant: Variant, digits: data.Digits | None) -> tuple[torch.Tensor, str]:
    """The inputs a variant's outputs are compared with its base's on: the digits test split,
    or, for models without accuracy, a few seeded random images (the same for a base and its
    variants, which share the seed)."""
    if "accuracy" in variant.extra:
        generator = torch.Generator().manual_seed(variant.seed + 3)
        return (torch.randn(4, *variant.input_dims, generator=generator),
                "4 seeded N(0,1) images (torch.Generator seed recorded)")
    _, _, x_test, _ = data.tensors(digits, _is_image(variant))
    return x_test, "the digits test split"


def _served_digest(variant: Variant, scratch: Path) -> str | None:
    """weights_sha256 of `variant` as write_variant would record it: of its TorchScript file."""
    path = scratch / "digest-check.pt"
    export.save_torchscript(variant.model, torch.zeros(1, *variant.input_dims), path)
    try:
        return evaluate.weights_digest(evaluate.load_torchscript(path, variant.quantized_engine))
    finally:
        path.unlink()


def outputs_of_written_base(directory: Path, base: Variant, digits: data.Digits | None) -> torch.Tensor:
    """The outputs write_variant would record for `base`, from its file already in the
    repository: variants added to a family later are compared with the base that is served."""
    served = evaluate.load_torchscript(directory / export.VERSION / "model.pt", base.quantized_engine)
    return evaluate.predict(served, _probe(base, digits)[0], base.max_batch_size)


def write_variant(variant: Variant, family: str, key: str, options: Options, directory: Path,
                  digits: data.Digits, base_outputs: dict) -> dict:
    """Export one variant into `directory` (the model's folder) and write its card."""
    t0 = time.perf_counter()
    version_dir = directory / export.VERSION
    version_dir.mkdir(parents=True)
    example = torch.zeros(1, *variant.input_dims)
    if variant.quantized_engine:
        torch.backends.quantized.engine = variant.quantized_engine
    # qnnpack's dynamic Linear logs a warning on every call (see compress.quiet_native_warnings)
    quiet = compress.quiet_native_warnings if variant.quantized_engine == "qnnpack" else contextlib.nullcontext
    ts_path = version_dir / "model.pt"
    with quiet():
        method = export.save_torchscript(variant.model, example, ts_path)
        onnx = (export.export_onnx(variant.model, example, version_dir / "model.onnx") if options.onnx
                else {"exported": False, "file": None, "error": "skipped (--no-onnx)"})
    # The engine goes into config.pbtxt only when it is not the one torch picks by itself: a
    # server that knows nothing of engines then still runs the model as prepared, and one that
    # would run it differently meets a parameter it must understand (the C++ server refuses
    # parameters it does not know). The card always names the engine.
    config_engine = variant.quantized_engine if variant.quantized_engine not in (None, _default_engine()) else None
    (directory / "config.pbtxt").write_text(export.config_pbtxt(
        variant.name, variant.input_dims, variant.output_dims, variant.max_batch_size, config_engine))

    # Score the file that will be served, not the module in memory.
    served = evaluate.load_torchscript(ts_path, variant.quantized_engine)
    probe, probe_desc = _probe(variant, digits)
    if "accuracy" in variant.extra:
        accuracy = variant.extra["accuracy"]
    else:
        _, _, _, y_test = data.tensors(digits, _is_image(variant))
        with quiet():
            scored = evaluate.top1(served, probe, y_test, variant.max_batch_size)
        accuracy = {**scored,
                    "split": data.split_description(digits), "evaluated_file": f"{export.VERSION}/model.pt"}
    with quiet():
        outputs = evaluate.predict(served, probe, variant.max_batch_size)
    if variant.base_model is None:
        base_outputs[variant.name] = outputs
    comparison = None
    if variant.base_model:
        comparison = {**evaluate.agreement(outputs, base_outputs[variant.base_model]), "inputs": probe_desc}

    params, nonzero = compress.count_parameters(variant.model)
    card = {
        "name": variant.name,
        "family": family,
        "base_model": variant.base_model,
        "technique": variant.technique,
        "technique_parameters": variant.technique_parameters,
        "architecture": variant.architecture,
        "parameter_count": params,
        "nonzero_parameters": nonzero,
        "files": {
            "torchscript": {"path": f"{export.VERSION}/model.pt", "bytes": export.file_size(ts_path), "method": method},
            "onnx": {**onnx, "bytes": export.file_size(version_dir / "model.onnx")},
        },
        "file_size_bytes": export.file_size(ts_path),
        "weights_sha256": evaluate.weights_digest(served),
        "accuracy": accuracy,
        "outputs_vs_base": comparison,
        "max_batch_size": variant.max_batch_size,
        **export.tensor_metadata(variant.input_dims, variant.output_dims),
        "quantized_engine": variant.quantized_engine,
        "training": variant.training,
        "seed": variant.seed,
        "zoo_seed": options.seed,
        "options": {"quick": options.quick, "qengine": options.qengine},
        "versions": library_versions(),
        "preparation_seconds": round(variant.build_seconds + time.perf_counter() - t0, 3),
        "prepared_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cache_key": key,
        "generator": GENERATOR,
    }
    export.write_json(directory / "card.json", card)
    return card


def _model_is_current(out: Path, name: str, key: str) -> bool:
    """`name` is in the repository whole (models are moved in only when written) with this key."""
    card_path = out / name / "card.json"
    if not (out / name / export.VERSION / "model.pt").exists() or not card_path.exists():
        return False
    try:
        return json.loads(card_path.read_text()).get("cache_key") == key
    except (OSError, ValueError):
        return False


def _staging_prefix(out: Path, family: str) -> str:
    return f".{out.name}.staging-{family}-"


def prepare(out: Path, options: Options, force: bool = False, log=print,
            wanted: dict[str, list[str]] | None = None) -> dict:
    """Build (or reuse) the models of `wanted` (family -> models, from select(); default: the
    whole plan) into repository `out`, keeping what it already holds of other families; returns
    the zoo index (zoo.json), which lists every current model of the repository."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two `servebench run`s must not build the same zoo at once
        return _prepare_locked(out, options, force, log, families(options) if wanted is None else wanted)


def _build(family: str, options: Options, digits: data.Digits | None, only: set[str]) -> list[Variant]:
    torch.backends.quantized.engine = _default_engine()
    if family.startswith("digits-"):
        return build_digits_family(family.split("-", 1)[1], options, digits, only)
    return build_vision_family(family, options, only)


def _build_family(out: Path, family: str, models: list[str], todo: list[str], key: str, options: Options,
                  digits: data.Digits | None, log) -> None:
    """Build `todo` (models of `family`, in plan order) in a staging folder beside the repository
    and move each into place whole, test data included: an interrupted preparation leaves
    either a complete model folder or none. A base already in the repository is not rewritten;
    the variants added to it are derived from the same base rebuilt from its seeds, which must
    reproduce the served base's weights (or the whole family is rebuilt)."""
    base = models[0]
    variants = _build(family, options, digits, set(todo))
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out, family), dir=out.parent))
    try:
        base_outputs: dict = {}
        if base not in todo:
            if _served_digest(variants[0], staging) == json.loads((out / base / "card.json").read_text()).get(
                    "weights_sha256"):
                base_outputs[base] = outputs_of_written_base(out / base, variants[0], digits)
            else:
                log(f"{family}: {base} rebuilt from its seeds differs from the one in the repository; "
                    f"rebuilding the family")
                todo = [m for m in models if m in todo or m == base or _model_is_current(out, m, key)]
                variants = _build(family, options, digits, set(todo))
        assert [v.name for v in variants] == [m for m in models if m in todo or m == base], (family, todo)
        for variant in variants:
            if variant.name not in todo:
                continue
            card = write_variant(variant, family, key, options, staging / variant.name, digits, base_outputs)
            acc = card["accuracy"].get("top1")
            log(f"  {variant.name}: params {card['parameter_count']}, nonzero {card['nonzero_parameters']}, "
                f"{card['file_size_bytes']} bytes, top1 {acc if acc is not None else 'n/a'}, "
                f"onnx {'yes' if card['files']['onnx']['exported'] else 'no'}, {card['preparation_seconds']} s")
        if family.startswith("digits-"):
            test_data.ensure(staging, todo, digits, lambda line: None)
        for name in todo:
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging / name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prepare_locked(out: Path, options: Options, force: bool, log, wanted: dict[str, list[str]]) -> dict:
    started = time.perf_counter()
    index_path = out / ZOO_INDEX
    try:
        old_index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        old_index = {}
    plan = families(options)
    planned = {m for models in plan.values() for m in models}
    for stale in sorted(set(old_index.get("models", {})) - planned):
        if (out / stale / "card.json").exists():
            log(f"removing {stale} (no longer in the zoo)")
            shutil.rmtree(out / stale)
    # Staging folders of a preparation that was killed (only the lock's holder makes them).
    for family in plan:
        for leftover in out.parent.glob(_staging_prefix(out, family) + "*"):
            log(f"removing {leftover.name} (left by an interrupted preparation)")
            shutil.rmtree(leftover, ignore_errors=True)

    digits = None
    index = {"generator": GENERATOR, "options": options.__dict__, "families": {}, "models": {}}
    for family, models in plan.items():
        key = cache_key(family, options)
        requested = wanted.get(family, [])
        todo = [m for m in requested if force or not _model_is_current(out, m, key)]
        if todo:
            t0 = time.perf_counter()
            if family.startswith("digits-"):
                digits = digits or data.load()
            _build_family(out, family, models, todo, key, options, digits, log)
            log(f"{family}: built {len(todo)} models in {time.perf_counter() - t0:.1f} s")
            status = "built"
        elif requested:
            log(f"{family}: reused ({len(requested)} models, key {key})")
            status = "reused"
        else:
            status = "kept"  # not asked for this time: listed if an earlier preparation left it current
        present = [m for m in models if _model_is_current(out, m, key)]
        if requested and family.startswith("digits-"):
            # Built or reused: a family prepared before test data existed gets it now.
            digits = digits or data.load()
            written = test_data.ensure(out, [m for m in present if m in requested], digits, log)
            if written:
                log(f"{family}: test data written for {written} models")
        if not present:
            continue
        index["families"][family] = {"cache_key": key, "models": present, "status": status}
        for name in present:
            index["models"][name] = {"family": family, "cache_key": key}
    # The whole plan, prepared or not: what a later preparation can add (and which families a
    # config may name before their models are prepared).
    index["plan"] = plan
    index["prepared_seconds"] = round(time.perf_counter() - started, 3)
    index["prepared_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    index["versions"] = library_versions()
    export.write_json(index_path, index)
    torch.backends.quantized.engine = _default_engine()
    return index
