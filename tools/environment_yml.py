"""Write environment.yml from the lock, so that conda installs exactly the versions pip does.

The lock is requirements.txt, which includes the runtime lock binder/requirements.txt
(`-r`). environment.yml names conda-forge's Python and pip, then every pinned package of
the lock through pip (conda-forge's builds of TensorFlow differ from PyPI's), then
course_lib in editable mode.

Usage:
    python tools/environment_yml.py          rewrite environment.yml
    python tools/environment_yml.py --check  exit 1 when environment.yml is out of date
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"  # the oldest Python the lock installs on (NumPy 2.4, IPython 9 need 3.11)


def lock_lines(path):
    """The `name==version` lines of a requirements file, following `-r` includes in order."""
    path = Path(path)
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        include = re.match(r"^(?:-r|--requirement)\s+(\S+)$", line)
        if include:
            lines += lock_lines(path.parent / include[1])
        elif re.match(r"^[A-Za-z0-9_.\-]+==\S+$", line):
            lines.append(line)
        else:
            raise ValueError(f"{path}: expected name==version or -r FILE, got {raw!r}")
    return lines


def environment_yml():
    pins = "".join(f"      - {line}\n" for line in lock_lines(ROOT / "requirements.txt"))
    return (
        "# For conda/mamba users: `conda env create -f environment.yml && conda activate "
        "cnn-foundations`.\n"
        "# Written by `python tools/environment_yml.py` from requirements.txt (the lock "
        "`make setup` installs,\n"
        "# which includes binder/requirements.txt): every pin, so conda and pip install the same "
        "versions.\n"
        "name: cnn-foundations\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        f"  - python={PYTHON}\n"
        "  - pip\n"
        "  - pip:\n"
        f"{pins}"
        "      - -e .\n")


def main(argv):
    target = ROOT / "environment.yml"
    wanted = environment_yml()
    if "--check" in argv:
        if target.read_text(encoding="utf-8") != wanted:
            print("out of date: environment.yml (run python tools/environment_yml.py)")
            return 1
        return 0
    target.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
