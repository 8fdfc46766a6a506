"""The similarity report's HTML page of a lesson (autograder/similarity.py).

Per exercise, the top pairs between students, then the top pairs with the reference or
the solution, each side by side with the code the two share highlighted. Every piece of
student code is HTML-escaped; the page has no script and a Content-Security-Policy that
forbids them.
"""

import html
import io

from autograder.fingerprints import K, compare
from autograder.similarity import REFERENCE, SOLUTION

_STYLE = """body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}
td{vertical-align:top;width:50%;border:1px solid #ccc;padding:.3em}
pre{margin:0;white-space:pre-wrap;font-size:12px}mark{background:#ffd54f}
h3{margin-bottom:.2em}.score{font-weight:bold}"""


def write_html(path, lesson, sections, top=10):
    """Write the page: sections is [(exercise, pairs best first, {name: Answer})]."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>Similarity: {html.escape(lesson)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Similarity of answers: {html.escape(lesson)}</h1>",
        "<p>Score: the share of both answers' tokens (names, literals and comments "
        f"abstracted, the code given in the lesson left out) that lie in a {K}-token sequence "
        "of one statement that the other answer has too. A high score tells you where to "
        "look; it changes no grade. Every pair found is in the CSV beside this page.</p>",
    ]
    for exercise, pairs, answers in sections:
        parts.append(f"<h2>{html.escape(exercise)}</h2>")
        models = {REFERENCE, SOLUTION}
        between = [pair for pair in pairs if pair.b not in models][:top]
        with_models = [pair for pair in pairs if pair.b in models][:top]
        for title, chosen in (("Between students", between),
                              ("With the reference or the solution", with_models)):
            parts.append(f"<h3>{title}</h3>")
            if not chosen:
                parts.append("<p>No pair shares code.</p>")
            for pair in chosen:
                parts.append(_pair_table(pair, answers))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _pair_table(pair, answers):
    _, _, covered_a, covered_b = compare(answers[pair.a], answers[pair.b])
    left = highlighted(answers[pair.a], covered_a)
    right = highlighted(answers[pair.b], covered_b)
    return (f"<p><span class='score'>{pair.score:.2f}</span> {html.escape(pair.a)} and "
            f"{html.escape(pair.b)} ({pair.shared} shared k-grams)</p>"
            f"<table><tr><td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr></table>")


def highlighted(answer, covered):
    """The answer's source, HTML-escaped, the runs of tokens `covered` (a mask) in <mark>."""
    lines = io.StringIO(answer.source).readlines()  # the lines tokenize numbered
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position):
        row, column = position
        return offsets[min(row - 1, len(lines))] + column if lines else 0

    regions, run = [], None
    for index, token in enumerate(answer.tokens):
        if covered[index]:
            start, end = offset(token.start), offset(token.end)
            same_run = (run and index and covered[index - 1]
                        and answer.tokens[index - 1].end[0] == token.start[0])
            run = (run[0], end) if same_run else (start, end)
            if regions and regions[-1][0] == run[0]:
                regions[-1] = run
            else:
                regions.append(run)
    text, parts, cursor = answer.source, [], 0
    for start, end in regions:
        if start < cursor:  # never the case for tokens in order; never mis-escape
            continue
        parts.append(html.escape(text[cursor:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(text[cursor:]))
    return "".join(parts)
