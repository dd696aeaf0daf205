"""The environment user templates run in: Jinja2's sandbox with bounded work, depth and size.

Jinja2's sandbox stops a template from reaching Python internals, but not from running for ever or filling
memory: a macro that calls itself, a template that extends itself, nested loops over `range(100000)`, or
`"x" * 10**10`. Here every loop iteration and every call counts against one budget per render, calls
nest at most `MAX_DEPTH` deep, no string or list a template builds may exceed `MAX_STRING` characters,
and the rendered output stops at `MAX_OUTPUT`. Sizes are checked before a value is built where the size can be
told in advance (`*`, `%` and `.format` widths, `|format`, `replace`, `join`, `indent`), and the characters (or
items) that built values, calls, filters, tests and `in` go through count against `MAX_WORK`, so a loop over
a large value cannot burn minutes within the step budget. `lipsum` makes at most `MAX_LIPSUM_WORDS` words.
Breaking a limit raises `jinja2.sandbox.SecurityError`.
"""
from __future__ import annotations

import functools
import re
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
MAX_WORK = 100_000_000  # characters or items that built values, calls, filters, tests and `in` go through
MAX_LIPSUM_WORDS = 100_000  # at most paragraphs x words per paragraph of one lipsum() call
# A printf-style conversion: its width and precision (or `*`, taken from the arguments).
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?[hlL]?[a-zA-Z%]")
_DIGITS = re.compile(r"\d+")
_SCANNED = (str, list, tuple)  # what `in` and a call go through item by item (a dict or set looks up)


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

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        """`a in b` and `a not in b` go through `environment.contains`, which counts the work of the scan.

        In a chain (`a < b in c`) each pair is compared on its own and the middle operand evaluated twice.
        """
        if not any(op.op in ("in", "notin") for op in node.ops):
            super().visit_Compare(node, frame)
            return
        self.write("(")
        left = node.expr
        for index, op in enumerate(node.ops):
            if index:
                self.write(" and ")
            if op.op in ("in", "notin"):
                self.write("(not " if op.op == "notin" else "(")
                self.write("environment.contains(")
                self.visit(left, frame)
                self.write(", ")
                self.visit(op.expr, frame)
                self.write("))")
            else:
                self.write("(")
                self.visit(left, frame)
                self.visit(op, frame)
                self.write(")")
            left = op.expr
        self.write(")")

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
        self._work = 0
        self.globals["lipsum"] = _bounded_lipsum
        self.bound_filters()

    def bound_filters(self) -> None:
        """Put the checks around filters added after construction."""
        self.filters = {name: _bounded_filter(self, name, func) for name, func in self.filters.items()}

    def render_bounded(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render with a fresh budget, stopping once the output passes MAX_OUTPUT characters."""
        self._steps = 0
        self._depth = 0
        self._work = 0
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

    def charge(self, *values: Any) -> None:
        """Count the characters or items of the strings, lists and tuples among `values` as work."""
        self._work += sum(len(v) for v in values if isinstance(v, _SCANNED))
        if self._work > MAX_WORK:
            raise SecurityError(f"the template went through more than {MAX_WORK} characters or items "
                                "(a loop over a large value?)")

    def contains(self, needle: Any, haystack: Any) -> bool:
        """`needle in haystack`, its scan counted as work."""
        self.tick()
        self.charge(haystack)
        return needle in haystack

    def call_test(self, name: str, value: Any, args: Any = None, kwargs: Any = None, context: Any = None,
                  eval_ctx: Any = None) -> Any:
        """A test (`is in`, `is divisibleby`, ...) counts a step and the work of its arguments."""
        self.tick()
        self.charge(value, *(args or ()))
        return super().call_test(name, value, args, kwargs, context, eval_ctx)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`"...".format`: the widths and precisions in the format string may not add up past MAX_STRING."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_widths(value.__self__)
        return wrapped

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Iterate, counting every step."""
        for item in iterable:
            self.tick()
            yield item

    def bounded_value(self, value: Any) -> Any:
        """The value, unless it is a string or collection longer than MAX_STRING; its size counts as work."""
        if isinstance(value, Sized) and not isinstance(value, (dict, jinja2.runtime.Undefined)) \
                and len(value) > MAX_STRING:
            raise SecurityError(f"the template built a value longer than {MAX_STRING} characters")
        self.charge(value)
        return value

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,  # noqa: N805 (Jinja's signature)
             **kwargs: Any) -> Any:
        """Every call (macros, methods, functions) counts, nests at most MAX_DEPTH deep, and is size-checked."""
        __self.tick()
        _check_sizes(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        __self.charge(owner, *args, *kwargs.values())
        if isinstance(owner, str):
            _check_str_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
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
        if operator_name == "%" and isinstance(left, str):
            _check_format_widths(left)
            _check_sizes(tuple(right) if isinstance(right, tuple) else (right,), right if isinstance(right, dict) else {})
        return self.bounded_value(super().call_binop(context, operator_name, left, right))


def _check_sizes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse integer arguments (widths, counts) that would build a value past MAX_STRING."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_STRING:
            raise SecurityError(f"argument {value} is larger than {MAX_STRING}")


def _too_big(size: int) -> None:
    """SecurityError when a value about to be built would be longer than MAX_STRING."""
    if size > MAX_STRING:
        raise SecurityError(f"the template would build a value of {size} characters (at most {MAX_STRING})")


def _check_format_widths(fmt: str) -> None:
    """Refuse a printf-style or `str.format` string whose widths and precisions add up past MAX_STRING."""
    total = sum(int(n) for m in _PERCENT_SPEC.finditer(fmt) for n in m.groups() if n and n != "*")
    total += sum(int(n) for spec in re.findall(r"\{[^{}]*:([^{}]*)\}", fmt) for n in _DIGITS.findall(spec))
    _too_big(total)


def _replacement_size(text: str, old: str, new: str, count: Any = -1) -> int:
    """How long `text.replace(old, new, count)` would be, found without building it."""
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _check_str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a str method call whose result would be longer than MAX_STRING, before it runs."""
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _too_big(_replacement_size(text, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)))
    elif name == "join" and args and isinstance(args[0], Sized):
        _too_big(len(text) * len(args[0]))
    elif name == "expandtabs":
        size = next(iter(args), kwargs.get("tabsize", 8))
        _too_big(len(text) + text.count("\t") * size if isinstance(size, int) else 0)


def _check_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a filter call whose result would be longer than MAX_STRING, before it runs."""
    texts = [a for a in args if isinstance(a, str)]
    if name == "format" and texts:
        _check_format_widths(texts[0])
    elif name == "replace" and len(texts) >= 3:
        count = next((a for a in args if isinstance(a, int) and not isinstance(a, bool)), kwargs.get("count", -1))
        _too_big(_replacement_size(texts[0], texts[1], texts[2], -1 if count is None else count))
    elif name == "join":
        value = next((a for a in args if isinstance(a, Sized) and not isinstance(a, str)), ())
        sep = kwargs.get("d", texts[0] if texts else "")
        _too_big(len(sep) * len(value) if isinstance(sep, str) else 0)
    elif name == "indent" and texts:
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        per_line = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _too_big(len(texts[0]) + (texts[0].count("\n") + 1) * per_line)


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 (Jinja's names)
    """Jinja's `lipsum`, refusing to make more than MAX_LIPSUM_WORDS words."""
    from jinja2.utils import generate_lorem_ipsum

    if not all(isinstance(v, int) for v in (n, min, max)) or n * max > MAX_LIPSUM_WORDS:
        raise SecurityError(f"lipsum({n}, ..., max={max}) would make more than {MAX_LIPSUM_WORDS} words")
    return str(generate_lorem_ipsum(n, html, min, max))


def _bounded_filter(env: BoundedSandbox, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that counts as a step and as work, refuses huge widths, counts and results before it runs,
    and may not return a huge value."""
    if getattr(func, "_bounded", False):
        return func

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        env.tick()
        _check_sizes(args, kwargs)
        env.charge(*args, *kwargs.values())
        _check_filter(name, args, kwargs)
        return env.bounded_value(func(*args, **kwargs))

    bounded._bounded = True  # type: ignore[attr-defined]
    return bounded


__all__ = ["BoundedSandbox", "MAX_DEPTH", "MAX_LIPSUM_WORDS", "MAX_OUTPUT", "MAX_STEPS", "MAX_STRING", "MAX_WORK",
           "SecurityError"]
