"""Every failure a user can cause is a CivictextError naming the parameter and the fix."""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pandas as pd
import pytest

import civictext as ct
from civictext.errors import CivictextError, ParameterError, ParameterTypeError

PKG = Path(ct.__file__).parent
DOCS = pd.DataFrame({"doc_id": ["a"], "text": ["Cải cách hành chính."]})

#: Builtin exceptions raised on purpose that a user cannot cause (file: line text, reason).
ALLOWED = {
    ("__init__.py", "AttributeError"): "module __getattr__ must raise AttributeError",
    ("_compat.py", "AttributeError"): "the forwarding module __getattr__ of the old paths",
    ("text/cache.py", "ValueError"): "a damaged cache entry; caught, the entry is recomputed",
    ("text/cache.py", "OSError"): "sqlite failure while writing the cache; the CLI reports OSErrors "
                              "in one line (owned by the cache module)",
    ("ingest/crawl.py", "TimeoutError"): "the fetch watchdog; caught and reported per URL",
    ("text/segmentation.py", "RuntimeError"): "an internal invariant (a bug, not bad input)",
    ("cli.py", "SystemExit"): "argparse's exit",
    ("__main__.py", "SystemExit"): "the exit code",
}


def _builtin_raises():
    names = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
             and issubclass(getattr(builtins, n), BaseException)}
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id in names:
                    yield path.relative_to(PKG).as_posix(), exc.id, node.lineno


def test_no_builtin_exception_is_raised_on_purpose_outside_the_allowed_list():
    found = [(f, e, line) for f, e, line in _builtin_raises() if (f, e) not in ALLOWED]
    assert not found, ("raise a CivictextError subclass (errors.py) naming the parameter or "
                       f"file and the fix instead: {found}")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ct.extract_article("<html></html>"), ParameterTypeError, "html_bytes must be bytes"),
    (lambda: ct.extract_article(b"<html></html>", fetched_at="yesterday"), ParameterError,
     "fetched_at must be a datetime or an ISO 8601 string"),
    (lambda: ct.normalize_text(5), ParameterTypeError, "expected str, got int"),
    (lambda: ct.parse_date(20241125), ParameterTypeError, "text must be a str"),
    (lambda: ct.find_publication_date(None), ParameterTypeError, "text must be a str"),
    (lambda: ct.score_themes(DOCS, lexicon="reform"), ParameterTypeError,
     "lexicon must be a civictext Lexicon"),
    (lambda: ct.score_themes(DOCS, n_tokens=[3]), ParameterTypeError,
     "n_tokens must be a Series or dict"),
])
def test_api_type_and_value_errors_are_civictext_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, CivictextError)
    # and still the builtin a caller may already catch
    assert isinstance(info.value, (TypeError if exc is ParameterTypeError else ValueError))


def test_a_changed_topic_model_file_is_a_model_error(tmp_path):
    from civictext.topics import model as topics

    with pytest.raises(ct.ModelError, match="analyzer kind 'pickle' is not one civictext writes"):
        topics._analyzer_from_state({"kind": "pickle"})
