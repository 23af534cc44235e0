"""Load a Python file that is not in a package (the mitmproxy add-on, a benchmark) as a
module of its own name, once per test process."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_file_module(name: str, path: Path) -> ModuleType:
    """The module ``name`` made from ``path``; loaded on the first call, then reused."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
