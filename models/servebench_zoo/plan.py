"""The zoo's plan: which families and models exist, the options they depend on, and which part
of the plan a preparation asks for. No torch here, so that prepare.py refuses a name it does not
know before importing it."""

from __future__ import annotations

from dataclasses import dataclass

BASE_SEED = 20240


@dataclass(frozen=True)
class Options:
    """What the zoo depends on besides code; every field goes into the cache key."""

    quick: bool = False
    qengine: str = "default"  # "default" (torch's choice for this CPU), "fastest", or an engine name
    seed: int = BASE_SEED
    onnx: bool = True

    def epochs(self, kind: str) -> int:
        full = {"mlp": 40, "cnn": 30, "finetune": 12, "student": 60}
        quick = {"mlp": 15, "cnn": 12, "finetune": 3, "student": 20}
        return (quick if self.quick else full)[kind]


def families(options: Options) -> dict[str, list[str]]:
    """The zoo's contents: family -> model names (the repository's model directories)."""
    digits_variants = ["int8", "prune50", "prune90", "structured50", "distilled"]
    plan = {
        "digits-mlp": ["digits-mlp"] + [f"digits-mlp-{v}" for v in digits_variants],
        "digits-cnn": ["digits-cnn"] + [f"digits-cnn-{v}" for v in ["int8", "int8-static", *digits_variants[1:]]],
        "mobilenet_v2": ["mobilenet_v2", "mobilenet_v2-int8"],
    }
    if not options.quick:
        plan["resnet18"] = ["resnet18", "resnet18-int8"]
    return plan


def select(options: Options, models: list[str] | None = None, family_names: list[str] | None = None) -> dict[str, list[str]]:
    """The part of the plan to prepare: family -> models, in the plan's order. Whole families
    by name, single models by name; a model brings its family's base, which every variant is
    derived from. Neither given: the whole plan. Raises ValueError naming what the plan lacks."""
    plan = families(options)
    if models is None and family_names is None:
        return plan
    family_of = {m: f for f, names in plan.items() for m in names}
    unknown = [f for f in family_names or [] if f not in plan]
    if unknown:
        raise ValueError(f"no family {', '.join(unknown)} in the {'--quick ' if options.quick else ''}zoo "
                         f"(families: {', '.join(plan)})")
    unknown = [m for m in models or [] if m not in family_of]
    if unknown:
        raise ValueError(f"no model {', '.join(unknown)} in the {'--quick ' if options.quick else ''}zoo "
                         f"(models: {', '.join(family_of)})")
    wanted = {m for f in family_names or [] for m in plan[f]}
    wanted |= {m for m in models or []} | {plan[family_of[m]][0] for m in models or []}
    return {f: [m for m in names if m in wanted] for f, names in plan.items() if any(m in wanted for m in names)}
