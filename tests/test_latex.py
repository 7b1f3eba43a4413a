"""Paste-ready LaTeX: every equation parses with a real LaTeX parser (latex2mathml), no line
of a display is longer than `LINE_LIMIT`, no obsolete font switches, `derivations/` holds a
preamble, fragments and standalone documents, and the standalone documents compile with
`pdflatex` (when it is installed) without errors and without boxes more than 20 pt too wide
or too high."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from latex2mathml.converter import convert

from theory.equations import LINE_LIMIT, THEORY_MODULES, all_equations, get_equation
from theory.export import (
    PACKAGES,
    PREAMBLE_FILE,
    check_derivations,
    render_all,
    standalone_document,
    write_derivations,
)

#: Widest overfull box pdflatex may report (pt).
OVERFULL_PT = 20.0

_OLD_FONT = re.compile(r"\\(rm|bf|it|sf|tt|sl|sc|cal)(?![A-Za-z])")


@pytest.fixture(scope="module")
def equations():
    return all_equations()


@pytest.fixture(scope="module")
def rendered():
    return render_all()


def _display_blocks(text: str) -> list[str]:
    """The displays of a rendered file: `equation` environments (.tex) or `$$` blocks (.md)."""
    tex = re.findall(r"\\begin\{equation\}\n\\label\{[^}]*\}\n(.*?)\n\\end\{equation\}", text, re.S)
    return tex + re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.S | re.M)


def _too_long(tex: str) -> list[str]:
    return [line for line in tex.splitlines() if len(line.removesuffix(" \\\\")) > LINE_LIMIT]


def test_every_equation_parses(equations):
    for eq in equations:
        mathml = convert(eq.latex())  # raises on unbalanced braces, \left without \right, ...
        unknown = sorted(set(re.findall(r"\\[A-Za-z]+", mathml)))  # commands it does not know stay raw
        assert not unknown, f"{eq.name}: unknown commands {unknown}"


def test_no_display_line_is_longer_than_the_limit(equations, rendered):
    for eq in equations:
        assert not _too_long(eq.latex()), f"{eq.name}: lines over {LINE_LIMIT} characters"
    for name, text in rendered.items():
        blocks = _display_blocks(text)
        assert blocks or name == PREAMBLE_FILE, name
        for block in blocks:
            assert not _too_long(block), f"{name}: lines over {LINE_LIMIT} characters in\n{block}"


def test_no_obsolete_font_commands(equations, rendered):
    for eq in equations:
        assert not _OLD_FONT.search(eq.latex()), eq.name
    for name, text in rendered.items():
        assert not _OLD_FONT.search(text), name


def test_derivations_files(rendered):
    names = {PREAMBLE_FILE} | {f"{p}{s}" for p in THEORY_MODULES for s in (".tex", "-standalone.tex", ".md")}
    assert set(rendered) == names
    for pkg in PACKAGES:
        assert f"\\usepackage{{{pkg}}}" in rendered[PREAMBLE_FILE]
    assert {"amsmath", "amssymb"} <= set(PACKAGES)
    for paper in THEORY_MODULES:
        fragment, document = rendered[f"{paper}.tex"], rendered[f"{paper}-standalone.tex"]
        assert "\\input{preamble}" in fragment.split("\n\n")[0]  # the header says what it needs
        assert "\\documentclass" not in fragment and "\\begin{document}" not in fragment
        assert document.count("\\begin{equation}") == fragment.count("\\begin{equation}") > 0
        assert all(f"\\usepackage{{{pkg}}}" in document for pkg in PACKAGES)


def test_check_derivations_covers_every_written_file(tmp_path):
    written = write_derivations(tmp_path)
    assert {p.name for p in written} == set(render_all())
    assert check_derivations(tmp_path) == []
    (tmp_path / PREAMBLE_FILE).write_text("% edited\n", encoding="utf-8")
    (tmp_path / "integrator-standalone.tex").unlink()
    (tmp_path / "old-standalone.tex").write_text("", encoding="utf-8")
    assert check_derivations(tmp_path) == [PREAMBLE_FILE, "integrator-standalone.tex", "old-standalone.tex (stale)"]


def test_standalone_document_of_any_equations():
    eqs = [get_equation("integrator.aligned_ode"), get_equation("gating.remainder_bound")]
    doc = standalone_document(eqs)
    assert doc.startswith("% rnn-timescales") and "\\documentclass" in doc and doc.rstrip().endswith("\\end{document}")
    assert "\\label{eq:integrator.aligned_ode}" in doc and "\\label{eq:gating.remainder_bound}" in doc
    assert "rnn-timescales derivations: gating, integrator" in doc
    assert "aligned outlier ODE" in doc and "\\_" in doc  # descriptions are escaped text


# ----------------------------------------------------------------------------- pdflatex
PDFLATEX = shutil.which("pdflatex")


def _compile(directory: Path, name: str) -> list[str]:
    """Run pdflatex on `directory/name`; the problems its log reports (errors, overfull boxes)."""
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (directory / Path(name).with_suffix(".log")).read_text(encoding="latin-1")
    problems = [line for line in log.splitlines() if line.startswith("!")]
    for m in re.finditer(r"Overfull \\([hv])box \(([\d.]+)pt too (wide|high)\)[^\n]*", log):
        if float(m.group(2)) > OVERFULL_PT:
            problems.append(m.group(0))
    if proc.returncode != 0 and not problems:
        problems.append(f"pdflatex exited with {proc.returncode}: {proc.stdout[-2000:]}")
    return problems


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
def test_standalone_documents_compile(tmp_path, rendered):
    for name, text in rendered.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # the fragments through the preamble, as a user would \input them
    fragments = "".join(f"\\input{{{p}}}\n" for p in THEORY_MODULES)
    driver = f"\\documentclass{{article}}\n\\input{{preamble}}\n\\begin{{document}}\n{fragments}\\end{{document}}\n"
    (tmp_path / "fragments.tex").write_text(driver, encoding="utf-8")
    for name in [f"{p}-standalone.tex" for p in THEORY_MODULES] + ["fragments.tex"]:
        problems = _compile(tmp_path, name)
        assert not problems, f"{name}:\n" + "\n".join(problems)
        assert (tmp_path / Path(name).with_suffix(".pdf")).stat().st_size > 0
