"""The kerasdrill wheel a workflow or an autograder bundle carries: built from this checkout, or given."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


class WheelError(Exception):
    """No wheel could be built or found; the message says what to do."""


def source_checkout() -> Path | None:
    """The checkout this grader runs from (the folder with its ``pyproject.toml``), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "grader").is_dir() else None


def kerasdrill_wheel(destination: str | os.PathLike, given: str | os.PathLike | None = None) -> Path:
    """Put a kerasdrill wheel into ``destination`` and return its path: ``given`` copied, or one built
    from the checkout with pip (offline when the build backend, hatchling, is installed)."""
    folder = Path(destination)
    folder.mkdir(parents=True, exist_ok=True)
    if given is not None:
        path = Path(given)
        if path.suffix != ".whl" or not path.is_file():
            raise WheelError(f"{given}: not a wheel file (.whl)")
        return Path(shutil.copy2(path, folder / path.name))
    checkout = source_checkout()
    if checkout is None:
        raise WheelError("kerasdrill is not running from a checkout; pass --wheel PATH (a kerasdrill .whl)")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir"]
    with tempfile.TemporaryDirectory(prefix="kerasdrill-wheel-") as built:
        command += [built, str(checkout)]
        if importlib.util.find_spec("hatchling") is not None:
            command.insert(4, "--no-build-isolation")  # no download of the build backend
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = sorted(Path(built).glob("kerasdrill-*.whl"))
        if completed.returncode != 0 or not wheels:
            raise WheelError("building the kerasdrill wheel failed:\n" + (completed.stderr or completed.stdout)[-2000:])
        return Path(shutil.move(str(wheels[0]), folder / wheels[0].name))
