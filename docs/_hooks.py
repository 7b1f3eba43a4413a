"""MkDocs hooks: pages that are generated from the code, so they cannot drift from it.

Two markers, each on a line of its own and outside code blocks, are replaced in every page:

| marker | replaced by |
|---|---|
| `<!-- studies: PAPER -->` | every study of `PAPER` from the study registry: a heading with id `study-<name>`, its title and description, how to run it, its parameters (quick and paper profiles side by side), its options and its declared checks |
| `<!-- equations: PAPER -->` | `derivations/PAPER.md` (written by `rnn-timescales derive`) without its title, headings demoted to nest under the section that holds the marker, each equation heading with id `eq-<paper>-<equation>` |

`PAPER` must be a key of the paper registry (`theory.papers`); anything else fails the build.
The headings inserted are one level below the last heading above the marker.
"""

from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^[ \t]*<!--\s*(studies|equations)\s*:\s*(\S+?)\s*-->[ \t]*$")
FENCE = re.compile(r"^[ \t]*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
ROW = re.compile(r"^\s*\|(.+?)\|(.+)\|\s*$")


# ----------------------------------------------------------------------------- registry access
@functools.cache
def _paper_keys() -> tuple[str, ...]:
    from theory.papers import paper_keys

    return paper_keys()


@functools.cache
def _studies() -> tuple[Any, ...]:
    import numerics

    numerics.configure()
    from numerics.study.runner import all_studies

    return tuple(all_studies().values())


def _check_paper(kind: str, paper: str, where: str) -> None:
    if paper not in _paper_keys():
        raise PluginError(
            f"{where}: unknown paper {paper!r} in '<!-- {kind}: {paper} -->'; allowed: {', '.join(_paper_keys())}"
        )


# ----------------------------------------------------------------------------- formatting
def _plain(value: Any) -> Any:
    """Lists and tuples alike as lists, recursively (profiles mix them)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    if value is _MISSING:
        return "—"
    return "`" + _cell(repr(_plain(value))) + "`"


_MISSING = object()


def _as_dict(params: Any) -> dict[str, Any]:
    return params.as_dict()


def _meanings(params: Any) -> dict[str, str]:
    """Field meanings from the notation table (`| field | meaning |`) of a Params docstring."""
    doc = type(params).__doc__ or ""
    out: dict[str, str] = {}
    for line in textwrap.dedent(doc).splitlines():
        m = ROW.match(line)
        if not m or set(m.group(1).strip()) <= set("-: "):
            continue
        names = re.findall(r"`([^`]+)`", m.group(1))
        for name in names:
            out.setdefault(name.strip(), m.group(2).strip())
    return out


def _heading(level: int, text: str, anchor: str) -> str:
    return f"{'#' * min(level, 6)} {text} {{ #{anchor} }}"


def _render_study(study: Any, level: int) -> list[str]:
    lines = [_heading(level, f"`{study.name}`", f"study-{study.name}"), "", f"**{study.title}**", ""]
    if study.description:
        lines += [textwrap.dedent(study.description).strip(), ""]
    lines += [
        f"Run it: `rnn-timescales compare {study.name}` (quick profile); "
        f"`rnn-timescales compare {study.name} --profile paper` for the full protocol; "
        f"`rnn-timescales compare {study.name} --help` lists the options below.",
        "",
    ]

    quick = _as_dict(study.profile_params("quick")) if "quick" in study.profile_names else {}
    paper = _as_dict(study.profile_params("paper")) if "paper" in study.profile_names else {}
    meanings = _meanings(study.profile_params("paper")) if paper else {}
    names = list(paper) + [k for k in quick if k not in paper]
    if names:
        with_meaning = bool(meanings)
        lines += ["**Parameters** (the paper profile is the protocol; quick is the default run)", ""]
        lines.append("| parameter | quick | paper |" + (" meaning |" if with_meaning else ""))
        lines.append("|---|---|---|" + ("---|" if with_meaning else ""))
        for k in names:
            row = f"| `{k}` | {_code(quick.get(k, _MISSING))} | {_code(paper.get(k, _MISSING))} |"
            if with_meaning:
                row += f" {_cell(meanings.get(k, ''))} |"
            lines.append(row)
        lines.append("")

    if study.options or study.flags:
        lines += ["**Options** of `compare`", "", "| option | sets | what it does |", "|---|---|---|"]
        for opt in study.options:
            repeat = " (repeat for a grid)" if opt.multiple and "repeat" not in opt.help else ""
            lines.append(f"| `{opt.flag} {opt.metavar}` | `{opt.key}` | {_cell(opt.help + repeat)} |")
        for flag, text in study.flags.items():
            lines.append(f"| `--{flag.replace('_', '-')}` | (switch) | {_cell(text)} |")
        lines.append("")

    lines += ["**Checks**", ""]
    lines += ["| check | tolerance | why |", "|---|---|---|"]
    for spec in study.declared:
        lines.append(f"| `{_cell(spec.name)}` | {_cell(spec.tolerance)} | {_cell(spec.reason)} |")
    lines.append("")
    return lines


def render_studies(paper: str, level: int) -> str:
    """Markdown for every study of `paper`, headings at `level`."""
    studies = [s for s in _studies() if s.paper == paper]
    if not studies:
        return f"*No study of `{paper}` is registered.*\n"
    lines: list[str] = []
    for study in studies:
        lines += _render_study(study, level)
    return "\n".join(lines)


def render_equations(paper: str, level: int, root: Path) -> str:
    """`derivations/PAPER.md` without its title, headings demoted so its equations sit at `level`."""
    path = root / "derivations" / f"{paper}.md"
    if not path.is_file():
        raise PluginError(f"{path} is missing; run 'rnn-timescales derive'")
    out: list[str] = []
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else HEADING.match(line)
        if m is None:
            out.append(line.replace("; do not edit.", "."))  # the file's note to editors, not to readers
            continue
        depth = len(m.group(1))
        if depth == 1:  # the file's title: the page section names it
            continue
        text = m.group(2)
        name = re.fullmatch(r"`([A-Za-z0-9_.]+)`", text)
        anchor = f" {{ #eq-{name.group(1).replace('.', '-')} }}" if name else ""
        out.append(f"{'#' * min(level + depth - 2, 6)} {text}{anchor}")
    return "\n".join(out).strip() + "\n"


# ----------------------------------------------------------------------------- the hook
def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    root = Path(config.config_file_path).resolve().parent
    where = page.file.src_uri
    out: list[str] = []
    in_fence = False
    level = 1
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            continue
        if not in_fence:
            h = HEADING.match(line)
            if h:
                level = len(h.group(1))
            m = MARKER.match(line)
            if m:
                kind, paper = m.groups()
                _check_paper(kind, paper, where)
                if kind == "studies":
                    out.append(render_studies(paper, level + 1))
                else:
                    out.append(render_equations(paper, level + 1, root))
                continue
        out.append(line)
    return "\n".join(out) + ("\n" if markdown.endswith("\n") else "")
