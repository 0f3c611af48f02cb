#!/usr/bin/python3
"""Installs the real serving systems (Triton, TorchServe, MLServer), and TensorFlow for the zoo's
SavedModel export, from their hash-pinned locks.

    /usr/bin/python3 scripts/requirements/install.py VENV_ROOT [SYSTEM ...] [--locks DIR] [--check]

For each system, VENV_ROOT/SYSTEM is a virtual environment made by Debian's python3 with the
system site packages, so the servers run Debian's torch (the library the C++ server links) and
numpy; SYSTEM.txt is installed into it with --require-hashes and wheels only. Nothing is
fetched later: servebench starts the programs these environments hold.

Outcome per system, for the launchers to read:
  installed   VENV_ROOT/SYSTEM/servebench.json names its programs and versions, and holds the
              stamp (a hash of the lock, the constraints, this file and the Python version); a
              second run with the same stamp does nothing.
  missing     VENV_ROOT/SYSTEM does not exist; VENV_ROOT/SYSTEM.missing says which pinned
              package or Debian package could not be installed and why. The rest of servebench
              still builds; a config asking for the system is rejected up front.
Exit status: 0, also when a system is missing (the machine may lack a wheel or the network);
1 when a lock would install a second PyTorch (the project's error, not the machine's).
"""

from __future__ import annotations

import argparse
import ctypes.util
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Packages that would be a second PyTorch (or its CUDA stack) if pip installed them.
FORBIDDEN = re.compile(r"^(torch|torchvision|torchaudio|triton|nvidia-(cuda|cudnn|cublas|cufft|curand|cusolver|"
                       r"cusparse|cusparselt|nccl|nvtx|nvjitlink)[a-z0-9-]*)$", re.IGNORECASE)
# Debian's libraries every environment must use, held at the installed versions.
HELD = ("torch", "numpy")

PY = f"{sys.version_info.major}.{sys.version_info.minor}"


class Missing(Exception):
    """This system cannot be installed here; the message says which package and why."""

    def __init__(self, message: str, recorded: bool = False, record: bool = False):
        super().__init__(message)
        self.recorded = recorded  # an earlier run's failure with the same lock, not retried
        # pip's failure with this lock (no wheel for this machine, no network): later runs with
        # the same lock do not retry it. Other failures are retried on every run.
        self.record = record or recorded


class SecondTorch(Exception):
    """A lock that would install PyTorch from PyPI."""


def constraints_text() -> str:
    return "".join(f"{name}=={importlib.metadata.version(name)}\n" for name in HELD)


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{PY}" / "site-packages"


def run(argv: list, log: Path, **kwargs) -> subprocess.CompletedProcess:
    with open(log, "a") as out:
        out.write("$ " + " ".join(str(a) for a in argv) + "\n")
        out.flush()
        return subprocess.run([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT, text=True, **kwargs)


def tail(log: Path, lines: int = 6) -> str:
    text = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in text if "ERROR" in line or "error" in line.lower()]
    return "\n    ".join((errors or text)[-lines:])


def missing_libraries(binary: Path) -> list[str]:
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if "not found" in line]


# --- what each system needs besides its pip packages, and what it leaves for the launchers ---

def finish_triton(venv: Path, log: Path) -> dict:
    """The wheel's tritonserver, plus a backend folder holding the Python backend and the stub
    for Debian's Python (the wheel keeps one stub per Python version apart from the backend)."""
    dist = site_packages(venv) / "pytriton" / "tritonserver"
    binary = dist / "bin" / "tritonserver"
    stub = dist / "python_backend_stubs" / PY / "triton_python_backend_stub"
    for path in (binary, stub, dist / "backends" / "python" / "libtriton_python.so"):
        if not path.exists():
            raise Missing(f"nvidia-pytriton has no {path.relative_to(site_packages(venv))}")
    for path in (binary, stub):
        if lost := missing_libraries(path):
            raise Missing(f"{path.name} cannot find {', '.join(lost)} (Debian's libpython{PY} "
                          "for the stub: scripts/debian-packages.txt)")
    backend = venv / "backends" / "python"
    backend.mkdir(parents=True)
    for item in (dist / "backends" / "python").iterdir():
        if item.name != "__pycache__":
            os.symlink(item, backend / item.name)
    os.symlink(stub, backend / "triton_python_backend_stub")
    # The binary finds its libraries through its RUNPATH ($ORIGIN/../../../nvidia_pytriton.libs),
    # which the loader resolves from the real file, so a link to it works as the binary itself.
    os.symlink(binary, venv / "bin" / "tritonserver")
    version = run([venv / "bin" / "tritonserver", "--help"], log)
    if version.returncode not in (0, 1):
        raise Missing(f"tritonserver does not run (status {version.returncode}): {tail(log)}")
    return {"tritonserver": "bin/tritonserver", "backend_directory": "backends"}


def finish_torchserve(venv: Path, log: Path) -> dict:
    return {"torchserve": "bin/torchserve", "torch-model-archiver": "bin/torch-model-archiver"}


def finish_mlserver(venv: Path, log: Path) -> dict:
    return {"mlserver": "bin/mlserver"}


def finish_tensorflow(venv: Path, log: Path) -> dict:
    # Not a server: the venv's python exports the zoo's SavedModels (models/servebench_zoo).
    return {"python": "bin/python"}


# Debian-side needs, checked on every run (cheap), so that installing the Debian package and
# running setup again is enough.

def needs_triton() -> None:
    if not ctypes.util.find_library(f"python{PY}"):
        raise Missing(f"Debian's libpython{PY} is not installed (the stub of Triton's Python backend links it; "
                      "scripts/debian-packages.txt)")


def needs_torchserve() -> None:
    java = shutil.which("java")
    if not java:
        raise Missing("java not found on PATH (Debian's openjdk-17-jre-headless: scripts/debian-packages.txt)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    found = re.search(r'version "(\d+)', out)
    if not found or int(found.group(1)) < 17:
        raise Missing(f"TorchServe needs Java 17 or newer; {java} says: {out.splitlines()[0] if out else '?'}")


def needs_nothing() -> None:
    pass


# system -> (Debian-side check, what to do after pip, a module that must import)
SYSTEMS = {
    "triton": (needs_triton, finish_triton, "pytriton"),
    "torchserve": (needs_torchserve, finish_torchserve, "ts"),
    "mlserver": (needs_nothing, finish_mlserver, "mlserver"),
    "tensorflow": (needs_nothing, finish_tensorflow, "tensorflow"),
}


def stamp_of(lock: Path) -> str:
    digest = hashlib.sha256()
    for part in (lock.read_bytes(), constraints_text().encode(), Path(__file__).read_bytes(),
                 sys.version.encode(), sysconfig.get_platform().encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def pinned(lock: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", lock.read_text(), re.M))


def install(root: Path, system: str, locks: Path = HERE, check_only: bool = False) -> str:
    """Installs one system; returns a one-line status. Raises Missing or SecondTorch. With
    check_only, changes nothing and returns "up to date" or "needs installing"."""
    needs, finish, module = SYSTEMS[system]
    lock = locks / f"{system}.txt"
    if not lock.is_file():
        raise Missing(f"no lock file {lock}")
    needs()
    venv = root / system
    record = venv / "servebench.json"
    stamp = stamp_of(lock)
    if record.exists():
        try:
            old = json.loads(record.read_text())
            if old.get("stamp") == stamp and all((venv / p).exists() for p in old["programs"].values()):
                return "up to date"
        except (ValueError, KeyError):
            pass
    pins = pinned(lock)
    if second := sorted(name for name in pins if FORBIDDEN.match(name)):
        raise SecondTorch(f"{lock.name} would install {', '.join(second)} from PyPI: servebench runs on Debian's "
                          "torch only (regenerate the lock without it)")
    missing = root / f"{system}.missing"
    if missing.exists() and f"(setup stamp {stamp}:" in missing.read_text():
        # Failed before with this very lock: not retried on every setup (delete the file to retry).
        raise Missing(missing.read_text().split("\n(setup stamp")[0], recorded=True)
    if check_only:
        return "needs installing"

    shutil.rmtree(venv, ignore_errors=True)
    log = root / f"{system}.log"
    log.write_text("")
    if run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv], log).returncode != 0:
        raise Missing(f"cannot create a venv with /usr/bin/python3 (Debian's python3-venv): {tail(log)}")
    python = venv / "bin" / "python"
    # pip in the venv must see Debian's torch, or it could resolve another one.
    seen = subprocess.run([python, "-c", "import importlib.metadata as m, torch; print(m.version('torch'), torch.__file__)"],
                          capture_output=True, text=True)
    if seen.returncode != 0 or seen.stdout.split()[:1] != [importlib.metadata.version("torch")]:
        raise Missing(f"the venv does not see Debian's torch: {seen.stdout.strip() or seen.stderr.strip()[-300:]}")
    constraints = root / "constraints.txt"
    constraints.write_text(constraints_text())
    pip = run([python, "-m", "pip", "install", "--require-hashes", "--only-binary=:all:", "--progress-bar", "off",
               "--disable-pip-version-check", "-c", constraints, "-r", lock], log)
    if pip.returncode != 0:
        raise Missing(f"pip could not install {lock.name} (status {pip.returncode}), see {log}:\n    {tail(log)}",
                      record=True)
    if (site_packages(venv) / "torch").exists():
        raise SecondTorch(f"a torch package appeared in {site_packages(venv)}; servebench runs on Debian's torch only")
    where = subprocess.run([python, "-c", f"import torch, {module}; print(torch.__file__)"], capture_output=True, text=True)
    if where.returncode != 0 or not where.stdout.startswith("/usr/lib/python3/"):
        raise Missing(f"the installed {system} does not import with Debian's torch: "
                      f"{(where.stdout + where.stderr).strip()[-500:]}")
    programs = finish(venv, log)
    for name, path in programs.items():
        if not (venv / path).exists():
            raise Missing(f"{name} is not at {venv / path} after installation")
    record.write_text(json.dumps({"system": system, "stamp": stamp, "programs": programs,
                                  "packages": pins, "torch": importlib.metadata.version("torch")}, indent=2) + "\n")
    return f"installed ({', '.join(f'{k} {v}' for k, v in pins.items() if k.lower() in TOP.get(system, ()))})"


# The pinned packages named in the summary line.
TOP = {"triton": ("nvidia-pytriton",), "torchserve": ("torchserve", "torch-model-archiver"), "mlserver": ("mlserver",),
       "tensorflow": ("tensorflow-cpu",)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("venv_root", type=Path, help="where the venvs go (scripts/setup: build/venv)")
    parser.add_argument("systems", nargs="*", metavar="SYSTEM", help=f"some of {', '.join(SYSTEMS)} (default: all)")
    parser.add_argument("--locks", type=Path, default=HERE, help="folder of the SYSTEM.txt locks (tests)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 3 unless every system is installed and up to date")
    args = parser.parse_args(argv)
    root = args.venv_root.resolve()
    systems = args.systems or list(SYSTEMS)
    if unknown := [s for s in systems if s not in SYSTEMS]:
        parser.error(f"unknown system(s) {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    try:
        constraints_text()
    except importlib.metadata.PackageNotFoundError as exc:
        print(f"setup: Python serving systems NOT INSTALLED: /usr/bin/python3 has no {exc.name} "
              "(Debian's python3-torch and python3-numpy: scripts/debian-packages.txt)", file=sys.stderr)
        if args.check:
            return 3
        root.mkdir(parents=True, exist_ok=True)
        for system in systems:
            shutil.rmtree(root / system, ignore_errors=True)
            (root / f"{system}.missing").write_text(f"Debian's {exc.name} is not installed for /usr/bin/python3\n")
        return 0
    if args.check:
        states = {}
        for system in systems:
            try:
                states[system] = install(root, system, args.locks, check_only=True)
            except (Missing, SecondTorch) as exc:
                states[system] = f"not installed: {exc}"
        for system, state in states.items():
            print(f"setup: {system}: {state}")
        return 0 if all(state == "up to date" for state in states.values()) else 3
    root.mkdir(parents=True, exist_ok=True)
    status = 0
    for system in systems:
        missing = root / f"{system}.missing"
        try:
            message = install(root, system, args.locks)
            missing.unlink(missing_ok=True)
            print(f"setup: {system}: {message}")
        except (Missing, SecondTorch) as exc:
            shutil.rmtree(root / system, ignore_errors=True)
            stamp = stamp_of(args.locks / f"{system}.txt") if (args.locks / f"{system}.txt").is_file() else "-"
            retry = f"\n(setup stamp {stamp}: delete this file to make scripts/setup try again)" \
                if isinstance(exc, Missing) and exc.record else ""
            missing.write_text(f"{exc}{retry}\n")
            again = " (as in an earlier run with the same lock; delete that file to retry)" \
                if isinstance(exc, Missing) and exc.recorded else ""
            print(f"setup: {system}: NOT INSTALLED: {exc}\n    servebench will reject configs that ask for {system}"
                  f" (reason kept in {missing}){again}", file=sys.stderr)
            if isinstance(exc, SecondTorch):
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
