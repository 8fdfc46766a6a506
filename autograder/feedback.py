"""The student's feedback page: their own notebook plus the verdict of each test.

Built from what the student submitted and the per-test results, never from
what the grading run printed: no output produced while (or after) a hidden
test ran can reach it, and no hidden test code either (each test cell shows
the student version's source). What a failed test says is its exception's
last line, cut to a few hundred characters.

Everything the student wrote is escaped: markdown is rendered with raw HTML
escaped and harmful links removed, outputs keep only text and PNG/JPEG
images (no HTML, SVG or JavaScript), and the page forbids scripts with a
Content-Security-Policy.

The page is bounded in size and in the time it takes to render: a markdown cell
shows at most MARKDOWN_CHARACTERS (with a note), only the first
MARKDOWN_RENDERED characters of the notebook's markdown are rendered as markdown
and the rest is shown as plain text (mistune takes about 10 microseconds a character
on runs of `*_[`, so 20 MB took minutes), an image over IMAGE_BYTES is left out
with a note, and once the page holds PAGE_CHARACTERS the remaining cells are left
out with a note. The course's own notebooks are far below every one of these.

nbgrader's own feedback (`generate_feedback`) is not
used: it shows hidden tests (jupyter/nbgrader#917) and runs the student's HTML.
"""

import base64
import binascii
import html
import json
import re
from pathlib import Path

from autograder.preprocessors import is_graded_test

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MESSAGE_CHARACTERS = 500
TEXT_CHARACTERS = 20_000
MARKDOWN_CHARACTERS = 200_000  # shown of one markdown cell
MARKDOWN_RENDERED = 100_000  # of the whole notebook, rendered as markdown; the rest as text
IMAGE_BYTES = 2 * 2**20
PAGE_CHARACTERS = 10_000_000
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.45}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.test{border-left:4px solid #999;padding-left:.8em;margin:1em 0}
.pass{border-color:#2a7d2a}.fail{border-color:#b22}.verdict{font-weight:bold}
.note{background:#fff4e5;padding:.6em}img{max-width:100%}"""


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _markdown(text, budget):
    """A markdown cell's HTML; `budget` is {"markdown": characters still to render as markdown}."""
    import mistune

    text, note = str(text), ""
    if len(text) > MARKDOWN_CHARACTERS:
        note = _note(f"This markdown cell has {len(text):,} characters; only the first "
                     f"{MARKDOWN_CHARACTERS:,} are shown.")
        text = text[:MARKDOWN_CHARACTERS]
    if len(text) > budget["markdown"]:
        budget["markdown"] = 0
        return (_note(f"Shown as plain text: the notebook has more than {MARKDOWN_RENDERED:,} "
                      "characters of markdown.") + _pre(text, MARKDOWN_CHARACTERS) + note)
    budget["markdown"] -= len(text)
    return mistune.create_markdown(escape=True)(text) + note


def _note(text):
    return f'<p class="note">{html.escape(text)}</p>'


def _pre(text, limit=TEXT_CHARACTERS):
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "\n... (cut) ..."
    return f"<pre>{html.escape(text)}</pre>"


def _image(data, mime):
    if not isinstance(data, str):
        return ""
    if len(data) > IMAGE_BYTES * 3 // 2:  # base64 is 4/3 of the bytes, plus line breaks
        return _dropped_image(len(data) * 3 // 4)
    compact = re.sub(r"\s+", "", data)
    if len(compact) * 3 // 4 > IMAGE_BYTES:
        return _dropped_image(len(compact) * 3 // 4)
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return f'<img alt="figure" src="data:{mime};base64,{compact}">'


def _dropped_image(size):
    return _note(f"An image of {size / 2**20:.1f} MB is left out of this page (images over "
                 f"{IMAGE_BYTES / 2**20:g} MB are not shown).")


def _output(output):
    kind = output.get("output_type")
    if kind == "stream":
        return _pre(output.get("text", ""))
    if kind == "error":
        return _pre(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    data = output.get("data", {}) if kind in ("display_data", "execute_result") else {}
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return _image(data[mime], mime)
    if "text/plain" in data:
        text = data["text/plain"]
        return _pre("".join(text) if isinstance(text, list) else text)
    return ""


def _code(cell, outputs):
    """A code cell's source, then its outputs, one piece of HTML at a time."""
    yield _pre(cell.source)
    for output in outputs:
        yield _output(output)


def _test_block(cell, graded, visible_source, scores):
    grade_id = _grade_id(cell)
    score, maximum = scores.get(grade_id, [0.0, 0.0])
    passed = maximum > 0 and score is not None and float(score) >= float(maximum)
    message = ""
    for output in graded.get("outputs", []) if graded else []:
        if output.get("output_type") == "error":
            text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
            message = text if len(text) <= MESSAGE_CHARACTERS else text[:MESSAGE_CHARACTERS] + "..."
    verdict = (f"passed: {score:g} / {maximum:g} points" if passed
               else f"failed: {score or 0:g} / {maximum:g} points")
    parts = [f'<div class="test {"pass" if passed else "fail"}">',
             f'<p class="verdict">Test {html.escape(str(grade_id))} {verdict}</p>',
             _pre(visible_source)]
    if message and not passed:
        parts.append(f"<p>What the test reported:</p>{_pre(message)}")
    parts.append("</div>")
    return "".join(parts)


def render(submitted, autograded, release, result):
    """The feedback page's HTML (a string)."""
    visible = {_grade_id(cell): cell.source for cell in release.cells if is_graded_test(cell)}
    graded_cells = {_grade_id(cell): cell for cell in autograded.cells if _grade_id(cell)}
    submitted_outputs = {cell.get("id"): cell.get("outputs", []) for cell in submitted.cells
                         if cell.get("cell_type") == "code"}
    body, budget, size = [], {"markdown": MARKDOWN_RENDERED}, 0
    for index, cell in enumerate(autograded.cells):
        if size > PAGE_CHARACTERS:
            body.append(_note(f"The last {len(autograded.cells) - index} cells are left out: "
                              f"this page reached {PAGE_CHARACTERS:,} characters."))
            break
        grade_id = _grade_id(cell)
        if grade_id in visible:
            parts = [_test_block(cell, graded_cells.get(grade_id), visible[grade_id],
                                 result.tests)]
        elif cell.cell_type == "markdown":
            parts = [_markdown(cell.source, budget)]
        elif cell.cell_type == "code":
            parts = _code(cell, submitted_outputs.get(cell.get("id"), []))
        else:
            parts = []
        for part in parts:  # a generator for code: outputs past the cap are never made
            body.append(part)
            size += len(part)
            if size > PAGE_CHARACTERS:
                break
    title = f"{result.lesson}: feedback for {result.student}"
    note = (f'<p class="note">{html.escape(result.note)}; the tests after that point '
            "were not run.</p>" if result.note else "")
    return "\n".join([
        "<!DOCTYPE html>", '<html><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p><strong>Score: {result.score:g} / {result.max_score:g}</strong></p>", note,
        *body, "</body></html>"])


def write_feedback(path, submitted, autograded, release, result):
    """Write the feedback page for one graded submission to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(submitted, autograded, release, result), encoding="utf-8")
    return path


def leaks_hidden_code(html_path, solution_path, release_path):
    """Lines of hidden test code (from the instructor's source) found in a feedback file.

    Lines that the student version shows elsewhere (an import, say) do not count.
    """
    visible = Path(release_path).read_text(encoding="utf-8")
    text_of_page = html.unescape(re.sub(r"<[^>]*>", "", Path(html_path).read_text(encoding="utf-8")))
    solution = json.loads(Path(solution_path).read_text(encoding="utf-8"))
    leaked = []
    for cell in solution["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if HIDDEN_MARKERS[0] not in source:
            continue
        hidden = source.split(HIDDEN_MARKERS[0], 1)[1].split(HIDDEN_MARKERS[1], 1)[0]
        for line in hidden.splitlines()[1:]:
            text = line.strip()
            if len(text) > 25 and text in text_of_page and json.dumps(text)[1:-1] not in visible:
                leaked.append(text)
    return leaked
