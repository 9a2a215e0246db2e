"""The kerasdrill wheel a workflow or an autograder bundle carries: given, built from this checkout, or
packed again from the installed distribution.

GitHub's runners and Gradescope's machines install kerasdrill from the wheel the generated files
carry. An instructor who ran ``pip install kerasdrill`` (or ``pip install .``) has no checkout to
build from; their installed package is the same set of files a wheel holds, listed in its
``RECORD``: :func:`wheel_from_installed` zips those files (the ``grade`` script, which pip made
outside ``site-packages``, and caches left out) with a new ``RECORD``, as ``pip`` would unpack it again.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from grader.messages import Localized

DISTRIBUTION = "kerasdrill"
#: dist-info files that describe one installation, not the package (pip writes them when it installs)
INSTALL_ONLY = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


class WheelError(Localized):
    """No wheel could be built or found; the message says what to do."""


def source_checkout() -> Path | None:
    """The checkout this grader runs from (the folder with its ``pyproject.toml``), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "grader").is_dir() else None


def kerasdrill_wheel(destination: str | os.PathLike, given: str | os.PathLike | None = None) -> Path:
    """Put a kerasdrill wheel into ``destination`` and return its path: ``given`` copied, one built
    from the checkout with pip (offline when the build backend, hatchling, is installed), or, outside
    a checkout, the installed distribution packed again (:func:`wheel_from_installed`)."""
    folder = Path(destination)
    folder.mkdir(parents=True, exist_ok=True)
    if given is not None:
        path = Path(given)
        if path.suffix != ".whl" or not path.is_file():
            raise WheelError("instructor.wheel_not_a_wheel", path=str(given))
        return Path(shutil.copy2(path, folder / path.name))
    checkout = source_checkout()
    if checkout is None:
        return wheel_from_installed(folder)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir"]
    with tempfile.TemporaryDirectory(prefix="kerasdrill-wheel-") as built:
        command += [built, str(checkout)]
        if importlib.util.find_spec("hatchling") is not None:
            command.insert(4, "--no-build-isolation")  # no download of the build backend
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = sorted(Path(built).glob("kerasdrill-*.whl"))
        if completed.returncode != 0 or not wheels:
            raise WheelError("instructor.wheel_build_failed", output=(completed.stderr or completed.stdout)[-2000:])
        return Path(shutil.move(str(wheels[0]), folder / wheels[0].name))


def wheel_from_installed(destination: str | os.PathLike) -> Path:
    """The installed kerasdrill (this very package) as a wheel in ``destination``: its files as ``RECORD``
    lists them, without what pip made at install time, with a fresh ``RECORD``. Deterministic."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise WheelError("instructor.wheel_not_installed") from None
    files = list(dist.files or [])
    info = next((f.parts[0] for f in files if f.parts and f.parts[0].endswith(".dist-info")), None)
    here = Path(__file__).resolve().parents[1]
    if info is None or not any(Path(dist.locate_file(f)).resolve() == here / "__init__.py" for f in files):
        # an editable install (its files are elsewhere) or another copy than the one running: not this package
        raise WheelError("instructor.wheel_not_this_one")
    tag = "py3-none-any"
    wheel_text = Path(dist.locate_file(f"{info}/WHEEL")).read_text(encoding="utf-8")
    for line in wheel_text.splitlines():
        if line.startswith("Tag:"):
            tag = line.split(":", 1)[1].strip()
    folder = Path(destination)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{DISTRIBUTION}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(files, key=lambda f: f.as_posix()):
            name = file.as_posix()
            if file.parts[0] == ".." or "__pycache__" in file.parts or file.suffix == ".pyc":
                continue  # scripts pip wrote into bin/, and caches: pip makes them again
            if file.parts[0] == info and file.name in INSTALL_ONLY:
                continue
            data = Path(dist.locate_file(file)).read_bytes()
            archive.writestr(_entry(name), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(_entry(f"{info}/RECORD"), "\n".join(record) + "\n")
    return path


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 2, 2, 0, 0, 0))  # the same files, the same bytes
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
