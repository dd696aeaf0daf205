"""Stage 2, summarize: sentences ranked across all documents, near-duplicates merged, items selected, stories.

`pipeline.build_briefing` is the entry point.

`briefing.summarize` was also the name of a function (now `briefing.summarize_items`); the name is this
package's, so that `import briefing.summarize.pipeline` works. Code that still calls
`from briefing import summarize; summarize(documents)` gets this package, which forwards the call with a
DeprecationWarning.
"""
from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import Item


class _CallablePackage(types.ModuleType):
    """This package, callable as the function `summarize` once was."""

    def __call__(self, *args: Any, **kwargs: Any) -> "list[Item]":
        """`summarize_items(*args, **kwargs)`, with a DeprecationWarning."""
        import warnings

        from .pipeline import summarize_items

        warnings.warn("briefing.summarize() is deprecated: call briefing.summarize_items()", DeprecationWarning,
                      stacklevel=2)
        return summarize_items(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
