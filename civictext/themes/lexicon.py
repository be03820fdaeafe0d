"""Theme lexicons: read, validate and describe the term lists behind theme scores.

A *lexicon* is a set of themes, each with documented terms. civictext ships three
(``reform``, ``conduct``, ``satisfaction``) as YAML files in
``civictext/data/lexicons/``, one file per theme set; a researcher adds a theme by
adding a file and passing it to :func:`load_lexicons`.

Three file formats are read:

**civictext YAML** (``*.yaml`` / ``*.yml`` with a ``terms:`` list)::

    theme: reform
    label: Administrative reform
    description: What the theme covers, for the reader of the results.
    terms:
      - term: cải cách hành chính
        note: The programme's own name.
      - term: CCHC
        note: Acronym of cải cách hành chính (acronyms match case-sensitively).
      - term: dịch vụ công
        note: Public services.
        not_followed_by: [nghệ, nghiệp, ích]   # "dịch vụ công nghệ" is not it
      - term: hài lòng
        note: Generic; evidence only together with other terms.
        weak: true
        require: [người dân, doanh nghiệp]    # only in a sentence with one of these

Several themes may share a file under ``themes:`` (a list of such blocks).
Term keys: ``term`` (required), ``note`` (required, what the term means and why
it belongs), ``weight`` (default 1, weak terms 0.5), ``weak`` (bool),
``case_sensitive`` (default: True for acronyms, i.e. terms without lower-case
letters), ``not_followed_by`` / ``not_preceded_by`` (syllables that must not stand
right after / before the match), ``require`` / ``exclude`` (words or phrases the
hit's sentence must / must not contain). A ``*`` in a term matches any letters
within a word, ``?`` one letter.

**quanteda YAML** (a mapping ``theme: [terms]``, possibly nested; nested keys are
joined with ``.`` as quanteda does), with ``*`` / ``?`` glob wildcards.

**LIWC dictionary** (``*.dic``): a ``%``-delimited header of ``number<TAB>category``
lines, then ``term<TAB>number ...`` lines.

Validation errors (:class:`~civictext.errors.LexiconError`) name the file and the
line: YAML syntax errors, unknown keys, a theme with no terms, a term without a
note, a term listed twice or under two themes.

>>> lex = load_lexicons()
>>> sorted(lex.themes)
['conduct', 'reform', 'satisfaction']
>>> row = lex.terms.set_index("term").loc["cải cách hành chính"]
>>> row["theme"]
'reform'
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
import yaml

from civictext.errors import LexiconError
from civictext.text.normalize import normalize_text

__all__ = ["Lexicon", "load_lexicons", "DEFAULT_LEXICON_DIR", "TERM_COLUMNS"]

log = logging.getLogger(__name__)

#: Folder of the lexicons shipped with civictext.
DEFAULT_LEXICON_DIR = Path(__file__).resolve().parents[1] / "data" / "lexicons"

#: Columns of :attr:`Lexicon.terms`, in order.
TERM_COLUMNS = ["theme", "term", "note", "source_file", "line", "weight", "weak",
                "case_sensitive", "not_followed_by", "not_preceded_by", "require",
                "exclude", "wildcard"]

_TERM_KEYS = {"term", "note", "weight", "weak", "case_sensitive", "not_followed_by",
              "not_preceded_by", "require", "exclude"}
_THEME_KEYS = {"theme", "label", "description", "terms"}
_FILE_KEYS = _THEME_KEYS | {"themes", "format"}
_THEME_NAME = re.compile(r"^[^\W\d][\w.\-]*$")
WEAK_WEIGHT = 0.5


@dataclass(frozen=True)
class Lexicon:
    """Themes and their terms, as loaded by :func:`load_lexicons`.

    Attributes
    ----------
    terms : DataFrame
        One row per term, columns :data:`TERM_COLUMNS`: ``theme, term`` (NFC
        normalised), ``note``, ``source_file`` (path as given), ``line`` (1-based
        line in that file), ``weight`` (float), ``weak`` (bool),
        ``case_sensitive`` (bool), ``not_followed_by``, ``not_preceded_by``,
        ``require``, ``exclude`` (tuples of str), ``wildcard`` (bool).
    theme_info : DataFrame
        One row per theme: ``theme, label, description, source_file, n_terms``.
    """

    terms: pd.DataFrame
    theme_info: pd.DataFrame = field(repr=False)

    @property
    def themes(self) -> list[str]:
        """Theme names, in file order."""
        return list(self.theme_info["theme"])

    def multiword_terms(self) -> list[str]:
        """Terms of two or more syllables without wildcards (for tokenizers to keep whole)."""
        t = self.terms
        keep = (~t["wildcard"]) & t["term"].str.contains(" ", regex=False)
        return sorted(set(t.loc[keep, "term"]), key=lambda s: (-len(s), s))

    def __len__(self) -> int:
        return len(self.terms)


# ----------------------------------------------------------------- YAML with lines
class _LineDict(dict):
    line: int = 0
    lines: dict


class _LineList(list):
    line: int = 0
    lines: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key and list item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise _Located(f"key {key!r} appears twice in one mapping (first on line "
                           f"{out.lines[key]})", line)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    out = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _Located(Exception):
    """Internal: a problem at a line of the file being read."""

    def __init__(self, msg: str, line: int) -> None:
        super().__init__(msg)
        self.msg, self.line = msg, line


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LexiconError(f"load_lexicons: {path} does not exist; pass an existing "
                           f"lexicon file or folder") from None
    except UnicodeDecodeError as exc:
        raise LexiconError(f"load_lexicons: {path} is not UTF-8 ({exc.reason} at byte "
                           f"{exc.start}); re-save it as UTF-8") from None


def _load_yaml(path: Path) -> Any:
    text = _read_text(path)
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except _Located as exc:
        raise LexiconError(f"{path}, line {exc.line}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LexiconError(f"{path}{line}: not valid YAML ({problem}); check the "
                           f"indentation and quoting there") from None


# ----------------------------------------------------------------- term records
def _norm_term(term: str) -> str:
    return " ".join(normalize_text(term).split())


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return bool(letters) and not any(c.islower() for c in letters)


def _str_list(value: Any, key: str, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Located(f"{key!r} must be a word or a list of words, got {value!r}", line)
    return tuple(_norm_term(v) for v in value)


def _term_record(raw: Any, theme: str, line: int, *, need_note: bool) -> dict:
    if isinstance(raw, str):
        raw_d: dict = {"term": raw}
        lines: dict = {}
    elif isinstance(raw, dict):
        raw_d, lines = raw, getattr(raw, "lines", {})
        unknown = sorted(set(raw_d) - _TERM_KEYS, key=str)
        if unknown:
            k = unknown[0]
            raise _Located(f"unknown key {k!r} in a term of theme {theme!r}; allowed keys: "
                           f"{', '.join(sorted(_TERM_KEYS))}", lines.get(k, line))
    else:
        raise _Located(f"a term of theme {theme!r} must be a mapping with 'term' and "
                       f"'note' (or a plain string), got {raw!r}", line)
    term = raw_d.get("term")
    if not isinstance(term, str) or not term.strip():
        raise _Located(f"a term of theme {theme!r} has no 'term' text (got {term!r})", line)
    note = raw_d.get("note", "")
    if need_note and (not isinstance(note, str) or not note.strip()):
        raise _Located(f"term {term!r} of theme {theme!r} has no 'note'; say what it "
                       f"means and why it belongs to the theme", line)
    weak = raw_d.get("weak", False)
    if not isinstance(weak, bool):
        raise _Located(f"'weak' of term {term!r} must be true or false, got {weak!r}",
                       lines.get("weak", line))
    weight = raw_d.get("weight", WEAK_WEIGHT if weak else 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise _Located(f"'weight' of term {term!r} must be a positive number, got {weight!r}",
                       lines.get("weight", line))
    norm = _norm_term(term)
    cs = raw_d.get("case_sensitive", _is_acronym(norm))
    if not isinstance(cs, bool):
        raise _Located(f"'case_sensitive' of term {term!r} must be true or false",
                       lines.get("case_sensitive", line))
    rec = {"theme": theme, "term": norm, "note": (note or "").strip(), "line": line,
           "weight": float(weight), "weak": weak, "case_sensitive": cs,
           "wildcard": ("*" in norm or "?" in norm)}
    for key in ("not_followed_by", "not_preceded_by", "require", "exclude"):
        rec[key] = _str_list(raw_d[key], key, lines.get(key, line)) if key in raw_d else ()
    return rec


def _theme_block(block: dict, line: int) -> tuple[dict, list[dict]]:
    lines = getattr(block, "lines", {})
    unknown = sorted(set(block) - _THEME_KEYS - {"format"}, key=str)
    if unknown:
        k = unknown[0]
        raise _Located(f"unknown key {k!r}; a theme block has {', '.join(sorted(_THEME_KEYS))}",
                       lines.get(k, line))
    theme = block.get("theme")
    if not isinstance(theme, str) or not _THEME_NAME.match(theme):
        raise _Located(f"'theme' must be a name such as 'reform' (letters, digits, '_', "
                       f"'-', '.'), got {theme!r}", lines.get("theme", line))
    terms = block.get("terms")
    tline = lines.get("terms", line)
    if terms is None or (isinstance(terms, list) and not terms):
        raise _Located(f"theme {theme!r} has no terms; add at least one under 'terms:'", tline)
    if not isinstance(terms, list):
        raise _Located(f"'terms' of theme {theme!r} must be a list, got {type(terms).__name__}",
                       tline)
    item_lines = getattr(terms, "lines", [tline] * len(terms))
    recs = [_term_record(t, theme, ln, need_note=True) for t, ln in zip(terms, item_lines)]
    info = {"theme": theme, "label": str(block.get("label") or theme),
            "description": " ".join(str(block.get("description") or "").split())}
    return info, recs


def _read_civictext_yaml(data: dict) -> list[tuple[dict, list[dict]]]:
    lines = getattr(data, "lines", {})
    unknown = sorted(set(data) - _FILE_KEYS, key=str)
    if unknown:
        k = unknown[0]
        raise _Located(f"unknown key {k!r}; a lexicon file has 'theme', 'label', "
                       f"'description', 'terms' (or a 'themes:' list of such blocks)",
                       lines.get(k, 1))
    if "themes" in data:
        blocks = data["themes"]
        if not isinstance(blocks, list) or not blocks:
            raise _Located("'themes' must be a non-empty list of theme blocks",
                           lines.get("themes", 1))
        blines = getattr(blocks, "lines", [1] * len(blocks))
        out = []
        for b, ln in zip(blocks, blines):
            if not isinstance(b, dict):
                raise _Located(f"each item of 'themes' must be a mapping, got {b!r}", ln)
            out.append(_theme_block(b, ln))
        return out
    return [_theme_block(data, 1)]


def _read_quanteda_yaml(data: dict, prefix: str = "") -> list[tuple[dict, list[dict]]]:
    out: list[tuple[dict, list[dict]]] = []
    lines = getattr(data, "lines", {})
    for key, value in data.items():
        name = f"{prefix}{key}"
        line = lines.get(key, 1)
        if not isinstance(key, str) or not _THEME_NAME.match(name):
            raise _Located(f"{key!r} is not a usable theme name", line)
        if isinstance(value, dict):
            out.extend(_read_quanteda_yaml(value, prefix=f"{name}."))
            continue
        if value is None or (isinstance(value, list) and not value):
            raise _Located(f"theme {name!r} has no terms", line)
        if isinstance(value, str):
            value = _LineList([value])
            value.lines = [line]
        if not isinstance(value, list):
            raise _Located(f"theme {name!r}: expected a list of terms, got {value!r}", line)
        item_lines = getattr(value, "lines", [line] * len(value))
        recs = []
        for t, ln in zip(value, item_lines):
            if not isinstance(t, str):
                raise _Located(f"theme {name!r}: each term must be text, got {t!r}", ln)
            recs.append(_term_record(t, name, ln, need_note=False))
        out.append(({"theme": name, "label": name, "description": ""}, recs))
    return out


def _read_liwc(path: Path) -> list[tuple[dict, list[dict]]]:
    text = _read_text(path)
    lines = text.splitlines()
    marks = [i for i, ln in enumerate(lines) if ln.strip() == "%"]
    if len(marks) < 2:
        raise LexiconError(f"{path}, line 1: not a LIWC dictionary: expected a header "
                           f"between two lines holding only '%'")
    cats: dict[str, str] = {}
    for i in range(marks[0] + 1, marks[1]):
        ln = lines[i].strip()
        if not ln:
            continue
        parts = ln.split(None, 1)
        if len(parts) != 2:
            raise LexiconError(f"{path}, line {i + 1}: header lines are 'number<TAB>category',"
                               f" got {ln!r}")
        num, name = parts
        name = name.strip()
        if not _THEME_NAME.match(name):
            raise LexiconError(f"{path}, line {i + 1}: {name!r} is not a usable theme name")
        cats[num] = name
    recs: dict[str, list[dict]] = {name: [] for name in cats.values()}
    for i in range(marks[1] + 1, len(lines)):
        ln = lines[i].strip()
        if not ln:
            continue
        # "term<TAB>1 2" or "term 1 2"; a term may have spaces, numbers come last
        fields = ln.split()
        nums: list[str] = []
        while len(fields) > 1 and fields[-1] in cats:
            nums.insert(0, fields.pop())
        if not nums:
            raise LexiconError(f"{path}, line {i + 1}: expected 'term<TAB>category number(s)' "
                               f"with numbers from the header ({', '.join(cats)}), got {ln!r}")
        term = " ".join(fields)
        for num in nums:
            try:
                recs[cats[num]].append(_term_record(term, cats[num], i + 1, need_note=False))
            except _Located as exc:
                raise LexiconError(f"{path}, line {exc.line}: {exc.msg}") from None
    out = []
    for num, name in cats.items():
        if not recs[name]:
            line = next(i + 1 for i in range(marks[0] + 1, marks[1])
                        if lines[i].split(None, 1)[:1] == [num])
            raise LexiconError(f"{path}, line {line}: category {name!r} has no terms")
        out.append(({"theme": name, "label": name, "description": ""}, recs[name]))
    return out


def _read_file(path: Path) -> list[tuple[dict, list[dict]]]:
    suffix = path.suffix.lower()
    if suffix == ".dic":
        return _read_liwc(path)
    if suffix not in (".yaml", ".yml"):
        raise LexiconError(f"load_lexicons: {path} is neither YAML (.yaml/.yml) nor a LIWC "
                           f"dictionary (.dic)")
    data = _load_yaml(path)
    if not isinstance(data, dict) or not data:
        raise LexiconError(f"{path}, line 1: expected a mapping (a civictext lexicon with "
                           f"'theme:' and 'terms:', or a quanteda dictionary 'theme: [terms]'),"
                           f" got {type(data).__name__}")
    try:
        if {"terms", "themes", "theme"} & set(data):
            return _read_civictext_yaml(data)
        return _read_quanteda_yaml(data)
    except _Located as exc:
        raise LexiconError(f"{path}, line {exc.line}: {exc.msg}") from None


def _expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.iterdir()
                           if q.suffix.lower() in (".yaml", ".yml", ".dic") and q.is_file())
            if not found:
                raise LexiconError(f"load_lexicons: folder {p} holds no .yaml, .yml or .dic "
                                   f"lexicon files")
            out.extend(found)
        else:
            out.append(p)
    return out


def load_lexicons(paths: str | os.PathLike | Sequence[str | os.PathLike] | None = None
                  ) -> Lexicon:
    """Read and validate theme lexicons.

    Parameters
    ----------
    paths : path, or sequence of paths, optional
        Lexicon files (civictext or quanteda YAML, LIWC ``.dic``) or folders of
        them. Default: every file in :data:`DEFAULT_LEXICON_DIR` (the three
        bundled themes). To add a theme to the bundled ones, pass
        ``[DEFAULT_LEXICON_DIR, "my_theme.yaml"]``.

    Returns
    -------
    Lexicon
        ``.terms`` (one row per term, columns :data:`TERM_COLUMNS`) and
        ``.theme_info`` (one row per theme).

    Raises
    ------
    LexiconError
        Naming the file and line: invalid YAML, unknown keys, a theme with no
        terms, a term without a note (civictext format), a term listed twice or
        under two themes, a theme defined in two files.

    Examples
    --------
    >>> lex = load_lexicons()
    >>> row = lex.terms.set_index("term").loc["SIPAS"]
    >>> row["theme"], bool(row["case_sensitive"])
    ('satisfaction', True)
    """
    if paths is None:
        paths = [DEFAULT_LEXICON_DIR]
    elif isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = _expand(paths)
    if not files:
        raise LexiconError("load_lexicons: no lexicon files given")
    infos: list[dict] = []
    rows: list[dict] = []
    theme_src: dict[str, str] = {}
    seen: dict[str, dict] = {}
    for f in files:
        for info, recs in _read_file(f):
            name = info["theme"]
            if name in theme_src:
                first = recs[0]["line"] if recs else 1
                raise LexiconError(f"{f}, line {first}: theme {name!r} is already defined in "
                                   f"{theme_src[name]}; a theme lives in one file")
            theme_src[name] = str(f)
            for rec in recs:
                rec["source_file"] = str(f)
                key = rec["term"].casefold() if not rec["case_sensitive"] else rec["term"]
                if key in seen:
                    prev = seen[key]
                    where = ("twice in theme " + repr(name) if prev["theme"] == name
                             else f"under two themes ({prev['theme']!r} and {name!r})")
                    raise LexiconError(
                        f"{f}, line {rec['line']}: term {rec['term']!r} is listed {where}; "
                        f"first at {prev['source_file']}, line {prev['line']}. Keep it once, "
                        f"under the theme it is evidence for")
                seen[key] = rec
                rows.append(rec)
            infos.append({**info, "source_file": str(f), "n_terms": len(recs)})
    terms = pd.DataFrame(rows, columns=TERM_COLUMNS)
    terms = terms.astype({"line": "int64", "weight": "float64", "weak": "bool",
                          "case_sensitive": "bool", "wildcard": "bool"})
    info_df = pd.DataFrame(infos, columns=["theme", "label", "description", "source_file",
                                           "n_terms"])
    log.debug("loaded %d terms in %d themes from %d files", len(terms), len(info_df), len(files))
    return Lexicon(terms=terms, theme_info=info_df)
