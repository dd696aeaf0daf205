"""The environment user templates run in: Jinja2's sandbox with bounded work, depth and size.

Jinja2's sandbox stops a template from reaching Python internals, but not from running for ever or filling
memory: a macro that calls itself, a template that extends itself, nested loops over `range(100000)`, or
`"x" * 10**10`. Here every loop iteration and every call counts against one budget per render, calls
nest at most `MAX_DEPTH` deep, no string or list a template builds may exceed `MAX_STRING` characters,
and the rendered output stops at `MAX_OUTPUT`. Breaking a limit raises `jinja2.sandbox.SecurityError`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_STEPS = 2_000_000  # loop iterations plus calls in one render
MAX_DEPTH = 64  # nested calls (macros calling macros)
MAX_STRING = 5_000_000  # characters (or items) of one value a template builds
MAX_OUTPUT = 20_000_000  # characters of one rendered output
MAX_POWER = 1_000  # largest exponent of **


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `{% for %}` iterables through `environment.bounded_iter` and `~` joins through `bounded_value`."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """A loop whose every iteration counts against the budget."""
        wrapped = node.iter
        if not (isinstance(wrapped, nodes.Call) and isinstance(wrapped.node, nodes.EnvironmentAttribute)
                and wrapped.node.name == "bounded_iter"):
            node.iter = nodes.Call(nodes.EnvironmentAttribute("bounded_iter"), [wrapped], [], None, None,
                                   lineno=wrapped.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """A `~` concatenation whose result may not grow past MAX_STRING."""
        self.write("environment.bounded_value(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(SandboxedEnvironment):
    """A SandboxedEnvironment whose renders are bounded in work, call depth, value size and output size.

    >>> env = BoundedSandbox()
    >>> env.render_bounded(env.from_string("{% for i in range(3) %}{{ i }}{% endfor %}"), {})
    '012'
    """

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._steps = 0
        self._depth = 0
        self.filters = {name: _bounded_filter(self, func) for name, func in self.filters.items()}

    def bound_filters(self) -> None:
        """Put the checks around filters added after construction."""
        self.filters = {name: _bounded_filter(self, func) for name, func in self.filters.items()}

    def render_bounded(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render with a fresh budget, stopping once the output passes MAX_OUTPUT characters."""
        self._steps = 0
        self._depth = 0
        parts: list[str] = []
        size = 0
        for part in template.generate(context):
            size += len(part)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the template's output is larger than {MAX_OUTPUT} characters")
            parts.append(part)
        return "".join(parts)

    def tick(self) -> None:
        """Count one step of work."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise SecurityError(f"the template ran more than {MAX_STEPS} loop steps and calls")

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Iterate, counting every step."""
        for item in iterable:
            self.tick()
            yield item

    def bounded_value(self, value: Any) -> Any:
        """The value, unless it is a string or collection longer than MAX_STRING."""
        if isinstance(value, Sized) and not isinstance(value, (dict, jinja2.runtime.Undefined)) \
                and len(value) > MAX_STRING:
            raise SecurityError(f"the template built a value longer than {MAX_STRING} characters")
        return value

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,  # noqa: N805 (Jinja's signature)
             **kwargs: Any) -> Any:
        """Every call (macros, methods, functions) counts, nests at most MAX_DEPTH deep, and is size-checked."""
        __self.tick()
        _check_sizes(args, kwargs)
        if __self._depth >= MAX_DEPTH:
            raise SecurityError(f"calls nested more than {MAX_DEPTH} deep (a macro calling itself?)")
        __self._depth += 1
        try:
            return __self.bounded_value(super().call(__context, __obj, *args, **kwargs))
        finally:
            __self._depth -= 1

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `+` and `%` whose result could be huge are checked before they run."""
        if operator_name == "**" and isinstance(right, int) and (
                abs(right) > MAX_POWER or isinstance(left, int) and left.bit_length() * abs(right) > MAX_STRING):
            raise SecurityError(f"** {right} makes too large a number")
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, Sized) and isinstance(count, int) and len(seq) * count > MAX_STRING:
                    raise SecurityError(f"the template built a value longer than {MAX_STRING} characters")
        if operator_name == "+" and isinstance(left, Sized) and isinstance(right, Sized) \
                and len(left) + len(right) > MAX_STRING:
            raise SecurityError(f"the template built a value longer than {MAX_STRING} characters")
        return self.bounded_value(super().call_binop(context, operator_name, left, right))


def _check_sizes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse integer arguments (widths, counts) that would build a value past MAX_STRING."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_STRING:
            raise SecurityError(f"argument {value} is larger than {MAX_STRING}")


def _bounded_filter(env: BoundedSandbox, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that counts as a step, refuses huge widths and counts, and may not return a huge value."""
    if getattr(func, "_bounded", False):
        return func

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        env.tick()
        _check_sizes(args, kwargs)
        return env.bounded_value(func(*args, **kwargs))

    bounded._bounded = True  # type: ignore[attr-defined]
    return bounded


__all__ = ["BoundedSandbox", "MAX_DEPTH", "MAX_OUTPUT", "MAX_STEPS", "MAX_STRING", "SecurityError"]
