"""`--explain`: why each item was chosen, as a table for people (its score, its outlets, its story)."""
from __future__ import annotations

from ..models import Briefing, Item
from .escape import clean

__all__ = ["explain_briefing", "item_outlets"]

_TEXT_WIDTH = 72
_OUTLET_WIDTH = 24


def item_outlets(item: Item, briefing: Briefing) -> list[str]:
    """The distinct outlets an item cites, in citation order: publisher, else title, else document id.

    Args:
        item: one of the briefing's items.
        briefing: the briefing (its documents name the publishers).
    Returns:
        Outlet names; two or more means outlets corroborate the item.
    """
    docs = {d.id: d for d in briefing.documents}
    names: list[str] = []
    for ref in item.sources:
        doc = docs.get(ref.document)
        name = ref.source or (doc.source if doc else None) or ref.title or (doc.title if doc else None) or ref.document
        if clean(name) not in names:
            names.append(clean(name))
    return names


def explain_briefing(briefing: Briefing) -> str:
    """A plain-text table: for each item in reading order, its score, its outlets, where it came from, its text.

    The score is the ranker's (centrality in the sentence graph, or the chosen `--algorithm`), scaled so the
    top sentence of its story is 1.000; an item cited by several outlets was said by each of them. With
    several stories, each story's items follow its title in brackets.

    Args:
        briefing: the built briefing.
    Returns:
        Text lines ending with a newline.

    >>> from briefing.models import Briefing, Item, Section, SourceRef
    >>> b = Briefing("B", "2024-05-01", (Section(None, (Item("Rain fell.", 1.0, (SourceRef("a", 0, source="AP"),)),)),))
    >>> print(explain_briefing(b), end="")
     #  score  outlets  sentence  item
     1  1.000  1: AP    a:1       Rain fell.
    """
    rows: list[tuple[str, ...]] = [("#", "score", "outlets", "sentence", "item")]
    number = 0
    for section in briefing.sections:
        if section.title and len(briefing.sections) > 1:
            rows.append(("", "", "", "", f"[{clean(section.title)}]"))
        for item in section.items:
            number += 1
            outlets = item_outlets(item, briefing)
            first = item.sources[0] if item.sources else None
            where = f"{clean(first.document)}:{first.sentence + 1}" if first else ""
            text = clean(" ".join(item.text.split()))
            if len(text) > _TEXT_WIDTH:
                text = text[: _TEXT_WIDTH - 1].rstrip() + "…"
            shown = ", ".join(name if len(name) <= _OUTLET_WIDTH else name[: _OUTLET_WIDTH - 1].rstrip() + "…"
                              for name in outlets)
            rows.append((str(number), f"{item.score:.3f}", f"{len(outlets)}: {shown}", where, text))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].rjust(widths[0] + 1), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3].ljust(widths[3])]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    return "\n".join(lines) + "\n"
