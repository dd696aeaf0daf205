"""`--explain`: why each item was chosen, for people: one block per item (its score, outlets, sentence, sources)."""
from __future__ import annotations

from ..models import Briefing, Item
from .escape import clean

__all__ = ["explain_briefing", "item_outlets"]



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


def explain_briefing(briefing: Briefing, width: int | None = None) -> str:
    """Why each item was chosen, one block per item in reading order, wrapped to the terminal.

    Each block opens with the item's number, its score and its outlets; then the sentence itself; then where it
    came from (the article's title, the sentence's place in it) and, for each corroborating outlet whose words
    differ, what that outlet wrote. The score is the ranker's (centrality in the sentence graph, or the chosen
    `--algorithm`), scaled so the top sentence of its story is 1.000. With several stories, each story's items
    follow its title in brackets.

    Args:
        briefing: the built briefing.
        width: the line width (default: the terminal's, from `COLUMNS` or the terminal; 80 when unknown).
    Returns:
        Text lines ending with a newline, none longer than `width`.

    >>> from briefing.models import Briefing, Item, Section, SourceRef
    >>> b = Briefing("B", "2024-05-01", (Section(None, (Item("Rain fell.", 1.0, (SourceRef("a", 0, source="AP"),)),)),))
    >>> print(explain_briefing(b, width=60), end="")
     1  score 1.000  1 outlet: AP
        Rain fell.
        from “a” (AP), its sentence 1
    """
    import shutil
    import textwrap

    width = max(40, min(width or shutil.get_terminal_size((80, 24)).columns, 200))

    def wrap(text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)

    indent = " " * 4
    docs = {d.id: d for d in briefing.documents}
    lines: list[str] = []
    number = 0
    for section in briefing.sections:
        if section.title and len(briefing.sections) > 1:
            lines.extend(["", *wrap(f"[{clean(section.title)}]", "", " ")])  # the story's items follow
        for item in section.items:
            number += 1
            outlets = item_outlets(item, briefing)
            head = f"{number:>2}  score {item.score:.3f}  {len(outlets)} outlet{'' if len(outlets) == 1 else 's'}: "
            lines.extend(["", *wrap("; ".join(outlets), head, indent)])
            lines.extend(wrap(clean(item.text), indent, indent))
            for position, ref in enumerate(item.sources):
                doc = docs.get(ref.document)
                outlet = clean(ref.source or (doc.source if doc else None) or ref.title or ref.document)
                title = clean(ref.title or (doc.title if doc else None) or ref.document)
                if position == 0:
                    where = f"“{title}”" + (f" ({outlet})" if outlet != title else "")
                    lines.extend(wrap(f"from {where}, its sentence {ref.sentence + 1}", indent, indent + "  "))
                elif ref.text and clean(ref.text) != clean(item.text):
                    lines.extend(wrap(f"{outlet} wrote: “{clean(ref.text)}”", indent, indent + "  "))
                else:
                    lines.extend(wrap(f"{outlet} wrote the same", indent, indent + "  "))
    return "\n".join(lines).lstrip("\n") + "\n"
