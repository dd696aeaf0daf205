"""briefing.lazyimport: numpy's developer tools load on first use, and work when used."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> list[str]:
    """The lines `code` prints, run in a fresh interpreter (the deferral is process-wide)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_scipy_import_leaves_numpy_testing_and_f2py_unloaded_until_used() -> None:
    lines = _run("""
        import sys
        from briefing.lazyimport import defer_numpy_tools
        defer_numpy_tools()
        import scipy.sparse
        print("numpy.testing._private.utils" in sys.modules, "numpy.f2py.crackfortran" in sys.modules)
        from numpy.testing import assert_array_equal
        assert_array_equal(scipy.sparse.identity(2).toarray(), [[1, 0], [0, 1]])
        import numpy
        print("numpy.testing._private.utils" in sys.modules, callable(numpy.f2py.get_include))
    """)
    assert lines == ["False", "False", "True", "True"]


def test_no_deferral_once_numpy_is_imported() -> None:
    lines = _run("""
        import sys
        import numpy
        from briefing.lazyimport import defer_numpy_tools
        before = list(sys.meta_path)
        defer_numpy_tools()
        print(sys.meta_path == before)
    """)
    assert lines == ["True"]
