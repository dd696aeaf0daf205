"""Tests for briefing.text.normalize: Unicode, whitespace, paragraphs, quotes, missing spaces, boilerplate."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.text.normalize import balanced_quotes, is_boilerplate_line, normalize_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_unicode_nfc_and_invisible_characters() -> None:
    assert normalize_text("Cafe\u0301 re\u00adopened") == "Café reopened"
    assert normalize_text("co\u200bop\u2060era\ufefftion") == "cooperation"
    assert normalize_text("bell\x07 and\x00 null") == "bell and null"
    assert normalize_text("of\ufb01ce") == "office"


def test_odd_spaces_collapse_to_one() -> None:
    assert normalize_text("a\u00a0b\u2009c\u3000d\t\te   f") == "a b c d e f"
    assert normalize_text("  padded line  ") == "padded line"


def test_paragraph_breaks_are_exactly_one_blank_line() -> None:
    assert normalize_text("One.\r\n\r\n\r\n\r\nTwo.\u2029Three.") == "One.\n\nTwo.\n\nThree."
    assert normalize_text("One.\n   \n\t\nTwo.") == "One.\n\nTwo."


def test_one_line_per_paragraph_is_kept() -> None:
    text = "The first paragraph ends here.\nThe second paragraph ends here."
    assert normalize_text(text) == "The first paragraph ends here.\n\nThe second paragraph ends here."


def test_line_stopping_mid_sentence_continues() -> None:
    assert normalize_text("The council voted on\nthe budget today.") == "The council voted on the budget today."


def test_hard_wrapped_block_is_joined_and_keeps_headings() -> None:
    text = (
        "Storm Update\n\n"
        "The storm moved north overnight and forecasters said\n"
        "it would reach the coast by Tuesday. Residents were\n"
        "told to stay indoors.\n"
        "Officials opened three shelters in the city centre\n"
        "and asked people to check on elderly neighbours."
    )
    assert normalize_text(text).split("\n\n") == [
        "Storm Update",
        "The storm moved north overnight and forecasters said it would reach the coast by Tuesday. "
        "Residents were told to stay indoors.",
        "Officials opened three shelters in the city centre and asked people to check on elderly neighbours.",
    ]


def test_straight_quote_between_letters_is_an_apostrophe() -> None:
    assert normalize_text('Russia"s troops and the city"s mayor') == "Russia’s troops and the city’s mayor"
    assert normalize_text("don`t stop") == "don’t stop"
    # lower-then-upper is a quote missing its space, not an apostrophe
    assert normalize_text('he said"We') == 'he said"We'
    assert normalize_text('"Go," he said.') == '"Go," he said.'


def test_missing_space_after_sentence_end_is_restored() -> None:
    assert normalize_text("wrote on Twitter.“All statements") == "wrote on Twitter. “All statements"
    assert normalize_text("It ended.The next day") == "It ended. The next day"
    assert normalize_text("“Yes.”“No.”") == "“Yes.” “No.”"


@pytest.mark.parametrize(
    "text",
    [
        "the U.S.Army",
        "e.g.The",
        "St.Petersburg",
        "3.14 and 1.5m",
        "visit example.com today",
        "mail Jane.Doe@example.com now",
        "see https://example.org/news.Today",
        "www.example.Com",
    ],
)
def test_missing_space_leaves_abbreviations_numbers_and_addresses(text: str) -> None:
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    "line",
    [
        "مشاركة :",
        "Share:",
        "Share this article",
        "Partager",
        "Teilen",
        "Compartir en Facebook",
        "Facebook Twitter WhatsApp Email",
        "Advertisement",
        "ADVERTISEMENT - Scroll to continue",
        "Read more…",
        "READ MORE: Putin praises troops at rally",
        "Click here to subscribe",
        "Follow us on Twitter",
        "Sign up for our daily newsletter",
        "Copyright 2022 The Associated Press. All rights reserved.",
        "© 2024 Example Media",
        "By Jane Doe",
        "By Jane Doe, Reuters",
        "By JANE DOE and John van der Berg | The Guardian",
        "Reporting by Jane Doe in Kyiv; Editing by John Roe",
        "(Additional reporting by Tom Smith)",
        "Photo: Getty Images",
        "Image copyright Reuters",
        "(AP Photo/Efrem Lukatsky)",
        "Firefighters work at a damaged building in Kyiv on March 18. (AP Photo/Efrem Lukatsky)",
        "REUTERS/Gleb Garanich",
        "Josh Dawsey contributed to this report.",
        "The Associated Press contributed reporting",
        "CLOSE Scientists say the glacier is melting faster than expected.",
        "Newsletter Sign Up Continue reading the main story",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line)
    assert normalize_text(f"The talks went on.\n{line}\nThey ended.") == "The talks went on.\n\nThey ended."


@pytest.mark.parametrize(
    "line",
    [
        "By Friday, the troops had left the city.",
        "By the end of the day the talks had collapsed.",
        "Share prices fell sharply on Monday.",
        "The share price fell.",
        "Twitter said it would act.",
        "Follow the money, the prosecutor said.",
        "Recommended doses were cut by half.",
        "Copyright law changed in 2019.",
        "Read the room, she said.",
        "Reporting by the BBC found widespread damage.",
        "Photographers were kept away from the site.",
        "Advertisers left the platform.",
        "He said the firm contributed to this report's findings. It was published on Monday.",
        "The CLOSE call rattled the pilots.",
        "",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


def test_seed_with_arabic_share_line_and_broken_quotes() -> None:
    raw = (SEEDS / "002_5a0dd72d3cd176e7.txt").read_text(encoding="utf-8")
    text = normalize_text(raw)
    assert "مشاركة" not in text
    assert 'Russia"s' not in text and "Russia’s delegation" in text
    assert text.endswith("with 12 people killed.")


def test_seed_paragraphs_and_glued_quote() -> None:
    raw = (SEEDS / "000_1ac7351754abf07b.txt").read_text(encoding="utf-8")
    text = normalize_text(raw)
    assert len(text.split("\n\n")) == len([line for line in raw.splitlines() if line.strip()])
    assert "Twitter. “All statements" in text
    assert "\n\n\n" not in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list('ab AB.,!?"“”’\n\t\u00a0\u200b-:;1@/') + ["Share:", "By Jo Lee", "U.S.", "\n\n"])).map("".join))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\n\n\n" not in once and once == once.strip()


@pytest.mark.parametrize("line", [
    "Lire aussi : Ce qu'il faut savoir sur les séismes", "À lire également", "VEA TAMBIÉN", "NOTAS RELACIONADAS",
    "Lesen Sie auch: Die Bahn streikt erneut", "Mehr zum Thema", "Leggi anche: il governo cade", "Leia também",
    "Lees ook | Het kabinet valt", "Читайте также: Путин", "Подробнее", "Czytaj też: Premier", "Läs också",
    "To view the full story, please subscribe to The Herald.", "Il vous reste 80 % de cet article à lire.",
    "Baca juga: Banjir Jakarta",
])
def test_read_also_and_paywall_lines_in_many_languages_are_dropped(line: str) -> None:
    text = f"The storm reached the coast on Monday.\n\n{line}\n\nRescue teams arrived at dawn."
    assert normalize_text(text) == "The storm reached the coast on Monday.\n\nRescue teams arrived at dawn."


@pytest.mark.parametrize("sentence", [
    "Más información sobre el caso se dará el lunes.", "Saiba mais sobre o plano do governo para 2025.",
    "Voiries et trottoirs seront refaits au printemps.", "Related parties signed the deal on Monday.",
])
def test_sentences_that_open_like_a_prompt_are_kept(sentence: str) -> None:
    assert normalize_text(sentence) == sentence


def test_french_read_also_line_never_reaches_the_briefing(tmp_path: Path, cli_isolation: Path) -> None:
    from typer.testing import CliRunner

    from briefing.cli import app

    article = tmp_path / "seisme.txt"
    article.write_text("Séisme dans le sud du pays\n\n"
                       "Un séisme de magnitude 5,8 a frappé le sud du pays mardi soir, selon l’institut de géophysique.\n\n"
                       "Lire aussi : Ce qu'il faut savoir sur les séismes et la prévention des risques\n\n"
                       "Les secours ont évacué plusieurs centaines d’habitants des villages les plus touchés.\n\n"
                       "Aucune victime n’était signalée mercredi matin, mais les dégâts matériels sont importants.",
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(article), "--sentences", "10", "--no-history", "--output", "-"])
    assert result.exit_code == 0, result.stderr
    assert "Un séisme de magnitude" in result.stdout and "Lire aussi" not in result.stdout


def test_hebrew_acronyms_keep_their_gershayim() -> None:
    """Issue 25: `"` and `'` inside Hebrew words are gershayim and geresh (acronyms), not broken apostrophes."""
    text = 'אזרחי ארה"ב והאו"ם, ע"י ג\'ורג\' בוש; ״צה״ל״ ו־ג׳ורג׳. Russia"s talks.'
    assert normalize_text(text) == 'אזרחי ארה"ב והאו"ם, ע"י ג\'ורג\' בוש; ״צה״ל״ ו־ג׳ורג׳. Russia’s talks.'


@pytest.mark.parametrize("text, balanced", [
    ('המועצה טענה כי תרמה ב"טעות" 10,000 דולר לצלב האדום.', True),  # a prefix letter glued to a quotation
    ('ארה"ב ו-או"ם פרסמו דו"חות על ע"י הממשלה.', True),  # acronyms, one or more letters after the gershayim
    ('הוא אמר "ארה"ב תפעל" אתמול.', True),  # an acronym inside a quotation
    ('הוא אמר: "הממשלה תפעל מחר.', False),  # a quotation opened, never closed
])
def test_hebrew_quotes_are_told_from_gershayim(text: str, balanced: bool) -> None:
    """A `"` between a Hebrew prefix letter and a quoted word opens a quotation; inside an acronym it is a letter."""
    assert balanced_quotes(text) is balanced


def test_a_page_stamp_glued_between_headline_and_article_becomes_a_paragraph_break() -> None:
    from briefing.models import Document
    from briefing.text.sentences import split_document

    doc = Document("a", "Jackson doctor goes on trial Page last updated at 08:58 GMT, Thursday, 24 June 2010 09:58 UK "
                   "(an error occurred while processing this directive) The doctor of Michael Jackson went on trial.")
    assert [s.text for s in split_document(doc)] == ["Jackson doctor goes on trial",
                                                      "The doctor of Michael Jackson went on trial."]
    # "last updated" in a sentence, without a clock time, is the article's own words
    kept = "The list was last updated on Monday by the UK government."
    assert [s.text for s in split_document(Document("b", kept))] == [kept]
