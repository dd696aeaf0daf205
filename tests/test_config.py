"""The config file: the example loads, mistakes give clear errors, paths resolve, the CLI wins."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.config import (
    Config,
    EmailConfig,
    config_keys,
    find_default_config,
    load_config,
    merge_email,
    merge_options,
)
from briefing.errors import ConfigError
from briefing.starter import example_config, write_example_config
from briefing.options import Options

# A commented-out setting in the example: "# key = value" (prose comments never look like this).
_COMMENTED_SETTING = re.compile(r"^# ([a-z_.]+ = .*)$", re.MULTILINE)


def _write(tmp_path: Path, text: str, name: str = "briefing.toml") -> Path:
    """Write a config file in tmp_path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    """The ConfigError message that loading `path` raises."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


# ---------------------------------------------------------------- the example config


def test_example_config_loads_and_matches_the_defaults(tmp_path: Path) -> None:
    path = write_example_config(tmp_path / "briefing.toml")
    config = load_config(path)
    assert config.sources == (str(tmp_path / "articles"),)
    merged = merge_options(Options(), config, {})
    # The settings that are switched on in the example only document the defaults.
    assert merged == Options()


def test_example_config_covers_every_key() -> None:
    text = example_config()
    assert not re.search(r"^#? ?\[", text, re.MULTILINE), "no table header: a key appended at the end stays top-level"
    for table, keys in config_keys().items():
        for key in keys:
            dotted = f"{table}.{key}" if table else key
            assert re.search(rf"^(# )?{re.escape(dotted)} = ", text, re.MULTILINE), f"{dotted} missing from the example"


def test_example_config_with_every_setting_switched_on_loads(tmp_path: Path) -> None:
    text = _COMMENTED_SETTING.sub(r"\1", example_config())
    config = load_config(_write(tmp_path, text))
    assert config.options["sentences"] == 8
    assert config.options["history"] == str(tmp_path / "briefing-history.sqlite")
    assert config.site == str(tmp_path / "site")
    assert config.site_url == "https://example.com/briefing/"
    assert config.email == EmailConfig(
        to=("you@example.com",),
        sender="Briefing <briefing@example.com>",
        smtp_host="smtp.example.com",
        smtp_port=587,
        smtp_timeout=60.0,
        smtp_user="briefing@example.com",
        smtp_password_env="BRIEFING_SMTP_PASSWORD",
        security="starttls",
        bcc=("reader1@example.com", "reader2@example.com"),
        unsubscribe="mailto:briefing@example.com?subject=unsubscribe",
    )


def test_every_setting_of_the_example_is_explained() -> None:
    lines = example_config().splitlines()
    setting = re.compile(r"^(# )?[a-z_.]+ = ")
    for number, line in enumerate(lines):
        if setting.match(line):
            above = lines[number - 1]
            assert above.startswith("# ") and not setting.match(above), f"line {number + 1} is not explained: {line}"


def test_write_example_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _write(tmp_path, "words = 100\n")
    with pytest.raises(ConfigError, match="already exists.*--force"):
        write_example_config(path)
    assert path.read_text(encoding="utf-8") == "words = 100\n"
    assert write_example_config(path, force=True) == path
    assert path.read_text(encoding="utf-8") == example_config()


def test_write_example_into_a_directory(tmp_path: Path) -> None:
    assert write_example_config(tmp_path) == tmp_path / "briefing.toml"
    assert find_default_config(tmp_path) == tmp_path / "briefing.toml"


def test_find_default_config_without_a_file(tmp_path: Path) -> None:
    assert find_default_config(tmp_path) is None


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wrods = 100\n", 'briefing.toml: unknown key "wrods" (did you mean "words"?)'),
        ("[email]\nport = 25\n", 'unknown key "email.port" (did you mean "email.smtp_port"?)'),
        ('smtp_host = "mail"\n', 'unknown key "smtp_host" (did you mean "email.smtp_host"?'),
        ('date = "2024-05-01"\n', 'unknown key "date" (date is set on the command line with --date)'),
        ('words = "abc"\n', 'words must be an integer, got "abc"'),
        ("words = true\n", "words must be an integer, got true"),
        ('[email]\nsmtp_port = "abc"\n', 'email.smtp_port must be an integer, got "abc"'),
        ("[email]\nsmtp_port = 70000\n", "email.smtp_port must be a port number from 1 to 65535, got 70000"),
        ('[email]\nsecurity = "tls"\n', 'email.security must be one of plain, starttls, ssl; got "tls"'),
        ('[email]\nto = ["bob"]\n', 'email.to must hold email addresses, got "bob"'),
        ('algorithm = "pagerank"\n', 'algorithm must be one of graph, lexrank, textrank, lsa, luhn, lead; got "pagerank"'),
        ('formats = ["md", "pdf"]\n', 'formats must be one of md, html, json; got "pdf"'),
        ("formats = [1]\n", "formats must be a list of strings, got [1]"),
        ("words = 0\n", "words must be greater than 0, got 0"),
        ("duplicate_threshold = 1.5\n", "duplicate_threshold must be between 0.0 and 1.0, got 1.5"),
        ("fetch_timeout = \"10s\"\n", 'fetch_timeout must be a number, got "10s"'),
        ("stories = 1\n", "stories must be true or false, got 1"),
        ('since = "yesterday"\n', 'since must be a duration such as "24h", "3 days" or "1w", a date such as "2024-05-01", or "last"; got "yesterday"'),
        ("email = 3\n", "email must be a table ([email]), got 3"),
        ("[words]\nx = 1\n", "words must be an integer, got a table"),
        ('sources = "news/"\nsite = 5\n', "site must be a string, got 5"),
        ("site_url = 5\n", "site_url must be a string, got 5"),
        ('site_url = "example.org/news"\n', 'site_url must be the http:// or https:// address where the site is '
                                             'published, e.g. "https://example.org/briefing/"; got "example.org/news"'),
        ('site_url = "ftp://example.org/"\n', 'site_url must be the http:// or https:// address'),
        ('site_url = "https://example.org/?page=1"\n', 'site_url must be the http:// or https:// address'),
        ('site_url = "https:///news"\n', 'site_url must be the http:// or https:// address'),
    ],
)
def test_mistakes_name_the_key_and_what_was_expected(tmp_path: Path, text: str, expected: str) -> None:
    message = _error(_write(tmp_path, text))
    assert expected in message
    assert message.startswith(f"{tmp_path / 'briefing.toml'}: ")
    assert "\n" not in message


def test_syntax_error_gives_one_line_with_the_line_number(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, 'words = 100\ntitle = "unclosed\nquiet = true\n'))
    assert "not valid TOML" in message
    assert "line 2" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[email]\nsmtp_password = "hunter2"\n', "email.smtp_password"),
        ('password = "hunter2"\n', "password"),
        ('[email]\nsmtp_password_env = "hunter2!"\n', "email.smtp_password_env"),
    ],
)
def test_password_in_the_file_is_refused(tmp_path: Path, text: str, key: str) -> None:
    message = _error(_write(tmp_path, text))
    assert f"{key}" in message
    assert "smtp_password_env" in message
    assert "hunter2" not in message  # never echo a secret back


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    assert 'not found (create one with "briefing init")' in _error(tmp_path / "nope.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Caf\xe9"\n'.encode("latin-1"))
    assert "not a UTF-8 text file" in _error(path)


# ---------------------------------------------------------------- paths and values


def test_relative_paths_resolve_against_the_config_directory(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    path = _write(
        folder,
        """
        sources = ["news", "/abs/feed.xml", "https://example.com/feed.xml", "-"]
        output_dir = "out"
        template = "../tpl/my.md.j2"
        history = "/var/lib/briefing/h.sqlite"
        cache_dir = "cache"
        site = "public"
        formats = "html"
        fetch_timeout = 5
        """.replace("\n        ", "\n"),
    )
    config = load_config(path)
    assert config.sources == (str(folder / "news"), "/abs/feed.xml", "https://example.com/feed.xml", "-")
    assert config.options["output_dir"] == str(folder / "out")
    assert Path(config.options["template"]).resolve() == tmp_path / "tpl" / "my.md.j2"
    assert config.options["history"] == "/var/lib/briefing/h.sqlite"
    assert config.options["cache_dir"] == str(folder / "cache")
    assert config.site == str(folder / "public")
    assert config.options["formats"] == ("html",)
    assert config.options["fetch_timeout"] == 5.0 and isinstance(config.options["fetch_timeout"], float)
    # A history file named in the config turns the history on.
    assert config.options["use_history"] is True
    assert config.path == path


def test_the_config_works_from_another_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, 'output_dir = "out"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config("../briefing.toml").options["output_dir"] == str(tmp_path / "out")


# ---------------------------------------------------------------- merging


def test_command_line_beats_file_beats_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, 'title = "From file"\nwords = 120\nalgorithm = "lead"\n'))
    merged = merge_options(Options(), config, {"words": 60})
    assert merged.words == 60  # command line
    assert merged.title == "From file"  # file
    assert merged.algorithm == "lead"  # file
    assert merged.min_words == Options().min_words  # default


def test_words_on_the_command_line_replaces_a_sentence_budget_from_the_file() -> None:
    config = Config(options={"sentences": 5})
    assert merge_options(Options(), config, {}).sentences == 5
    merged = merge_options(Options(), config, {"words": 80})
    assert (merged.words, merged.sentences) == (80, None)
    merged = merge_options(Options(), Config(options={"words": 80}), {"sentences": 3})
    assert merged.sentences == 3


def test_history_switches() -> None:
    assert merge_options(Options(), Config(), {"history": "h.sqlite"}).use_history is True
    config = Config(options={"history": "/h.sqlite", "use_history": True})
    merged = merge_options(Options(), config, {"use_history": False})  # --no-history
    assert (merged.use_history, merged.history) == (False, "/h.sqlite")


def test_merge_email_keeps_file_values_the_command_line_does_not_set() -> None:
    email = EmailConfig(to=("a@example.com",), sender="b@example.com", smtp_port=587, security="starttls")
    merged = merge_email(email, {"to": ["c@example.com", "d@example.com"], "smtp_port": None, "security": "ssl"})
    assert merged == EmailConfig(
        to=("c@example.com", "d@example.com"), sender="b@example.com", smtp_port=587, security="ssl"
    )


def test_a_config_that_is_a_pipe_or_a_huge_file_is_one_error_line(tmp_path: Path, cli_isolation: Path) -> None:
    """Red team 8: `--config FIFO` hung for ever and `--config /dev/zero` ran out of memory (a MemoryError
    traceback under a memory limit): the file was read whole. Now a pipe has fetch_timeout (15 s by default) and
    a regular file over 1 MB is refused before it is read."""
    import os
    import threading

    from typer.testing import CliRunner

    from briefing.cli import app

    (tmp_path / "a.txt").write_text("The council approved the new city budget on Monday evening.\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.toml")
    with (tmp_path / "huge.toml").open("wb") as huge:
        huge.truncate(50_000_000)  # sparse: no disk used
    outcome: list[tuple[int, str]] = []

    def run(config: str) -> None:
        result = CliRunner().invoke(app, ["build", "a.txt", "--config", config, "-o", "out.md"])
        outcome.append((result.exit_code, result.stderr))

    for config, said in (("huge.toml", "larger than 1,000,000 bytes"), ("pipe.toml", "nothing came through")):
        outcome.clear()
        thread = threading.Thread(target=run, args=(config,), daemon=True)
        thread.start()
        thread.join(40)  # generous: the default deadline is 15 s; on main the pipe is read for ever
        assert outcome, f"--config {config} did not end within 40 s"
        code, err = outcome[0]
        assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1 and said in err, err
    assert not (tmp_path / "out.md").exists()
