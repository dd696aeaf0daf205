"""numpy's developer tools, loaded only if used: start-up time of a command.

scipy (1.14 to 1.17 at least, with numpy 2) imports its vendored array-api-compat, whose numpy namespace
copies every name numpy lists (`from numpy import *`, then `hasattr(numpy, name)` over `dir(numpy)`).
numpy loads its submodules on first access, so `import scipy.sparse` also imports numpy.f2py (the Fortran
wrapper generator) and numpy.testing (which imports importlib.metadata and email): about 0.08 s of CPU
of every build, which uses neither (benchmarks/RESULTS.md). No scipy release that works with numpy 2.3+
avoids it, and scipy has no switch for it.

`defer_numpy_tools` puts a finder first on `sys.meta_path` that gives these two modules the standard
library's `importlib.util.LazyLoader` (meant for programs whose start-up time matters): importing one
creates it, and its code runs on first attribute access, so code that uses it works as before. The CLI
calls it when it starts; a library import never does (it would change how its host imports numpy).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

DEFERRED = frozenset({"numpy.f2py", "numpy.testing"})


class _DeferringFinder(importlib.abc.MetaPathFinder):
    """Finds the DEFERRED modules where the path finder would, and loads them lazily."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        """The path finder's spec of a DEFERRED module with a lazy loader; None for any other module."""
        if fullname not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer_numpy_tools() -> None:
    """Load numpy.f2py and numpy.testing on first use, not when scipy imports them (this process only; a
    no-op once numpy is imported: whoever imported it may rely on them)."""
    if "numpy" in sys.modules or any(isinstance(finder, _DeferringFinder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _DeferringFinder())
