"""Normalized tokens, k-grams and winnowing for comparing answers (autograder/similarity.py).

An answer's source is cut into Python tokens (the `tokenize` module) and normalized:

- comments, docstrings, blank lines and indentation are dropped;
- every name the author chose (variables, parameters, functions, module aliases such as
  `np`) becomes `V`; keywords, builtins (`range`, `sum`, `zip`), attribute names
  (`.maximum`, `.shape`) and keyword-argument names (`axis=`) are kept: renaming those
  would break the program, so they survive every disguise and carry the algorithm;
- numbers become `N`, strings (f-strings too) `S`.

The tokens are grouped by statement (a logical line, or the header of a compound
statement up to its colon), and k-grams never cross a statement: reordering independent
statements leaves an answer's k-grams unchanged. A statement shorter than k tokens is one
gram. Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003, the algorithm of MOSS)
keeps the smallest hash of each window of `window` consecutive grams of a statement: the
fingerprints an index needs, with the guarantee that two statements sharing a run of
`window + k - 1` tokens share a fingerprint.

k = 7: with every chosen name abstracted, shorter grams (`V [ V ] = V`) are shared by
any two loops over arrays, and independently written answers score high; longer ones
stop matching a loop turned into a comprehension, whose pieces are short. A rewritten
loop keeps its expressions (`V [ V ] * V [ V - V ]`), so it keeps most of its grams, not
all: tests/test_similarity.py measures how far above independent answers that leaves it.
"""

import builtins
import hashlib
import io
import keyword
import tokenize
from collections import defaultdict
from typing import NamedTuple

K = 7
WINDOW = 4
KEPT_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
_OPEN, _CLOSE = "([{", ")]}"
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12 and later
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_FSTRING = {_FSTRING_START, _FSTRING_END, getattr(tokenize, "FSTRING_MIDDLE", -1)} - {-1}


class Token(NamedTuple):
    """A normalized token and where it came from: (row, column) of its start and end."""

    text: str
    start: tuple
    end: tuple


class Gram(NamedTuple):
    """A k-gram: its hash, and the indices of its first and last token in the answer."""

    hash: int
    first: int
    last: int


def statements(source):
    """The normalized tokens of `source`, as a list of statements (lists of Token).

    Source that does not tokenize (a student's syntax error) is kept up to the error.
    """
    raw = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            raw.append(token)
    except (tokenize.TokenError, SyntaxError, ValueError):  # IndentationError is a SyntaxError
        pass
    result, current, depth, inside = [], [], 0, 0
    for index, token in enumerate(raw):
        kind, text = token.type, token.string
        if kind in _FSTRING:  # Python 3.12 cuts f-strings up: one S, as in 3.11
            inside += (kind == _FSTRING_START) - (kind == _FSTRING_END)
            if kind == _FSTRING_START and inside == 1:
                current.append(Token("S", token.start, token.end))
            elif kind == _FSTRING_END and inside == 0:
                current[-1] = current[-1]._replace(end=token.end)
            continue
        if inside:
            continue
        if kind in _SKIPPED or kind == tokenize.NEWLINE or (kind == tokenize.OP and text == ";"):
            if kind in (tokenize.NEWLINE, tokenize.OP):
                _close(result, current)
                current, depth = [], 0
            continue
        if kind == tokenize.OP and text in _OPEN:
            depth += 1
        elif kind == tokenize.OP and text in _CLOSE:
            depth = max(depth - 1, 0)
        current.append(Token(_normal(raw, index, depth), token.start, token.end))
        if (kind == tokenize.OP and text == ":" and depth == 0 and current
                and current[0].text in _COMPOUND):
            _close(result, current)  # a header: `for V in range ( V ) :`
            current = []
    _close(result, current)
    return result


_COMPOUND = {"def", "class", "if", "elif", "else", "for", "while", "with", "try", "except",
             "finally", "async", "match", "case", "@"}


def _close(result, current):
    """Append a finished statement, unless it is empty or a docstring (strings alone)."""
    if current and not all(token.text == "S" for token in current):
        result.append(current)


def _normal(raw, index, depth):
    """The normalized text of raw[index] (see the module's docstring)."""
    token = raw[index]
    if token.type == tokenize.NUMBER:
        return "N"
    if token.type == tokenize.STRING:
        return "S"
    if token.type != tokenize.NAME or keyword.iskeyword(token.string):
        return token.string
    before = _neighbour(raw, index, -1)
    after = _neighbour(raw, index, 1)
    if before == "." or token.string in KEPT_NAMES or (depth > 0 and after == "="):
        return token.string
    return "V"


def _neighbour(raw, index, step):
    """The text of the nearest significant token before (-1) or after (1) raw[index]."""
    index += step
    while 0 <= index < len(raw):
        if raw[index].type not in _SKIPPED:
            return raw[index].string
        index += step
    return None


def _hash(tokens):
    """The hash of a gram (a list of Token), from their normalized texts."""
    digest = hashlib.blake2b(" ".join(token.text for token in tokens).encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big")


def winnow(hashes, window=WINDOW):
    """The smallest hash of each window of `window` consecutive hashes (of all, when fewer)."""
    return {min(hashes[start:start + window])
            for start in range(max(len(hashes) - window + 1, 1))} if hashes else set()


class Answer:
    """An answer, fingerprinted.

    - source: the text; tokens: the normalized Tokens of its statements, in order;
    - grams: every k-gram (Gram) of every statement, in order;
    - hashes: their hashes; fingerprints: the winnowed ones;
    - size: the number of tokens (what a score divides by).

    `base` is the statements of the code every student was given (base_statements of the
    release's cell: the `def` line, the `return` line), left out as MOSS and copydetect
    leave out boilerplate.
    """

    def __init__(self, source, base=frozenset(), k=K, window=WINDOW):
        self.source = source
        self.tokens, self.grams, self.fingerprints = [], [], set()
        for statement in statements(source):
            if _text(statement) in base:
                continue
            offset = len(self.tokens)
            self.tokens.extend(statement)
            size = min(k, len(statement))
            hashes = [_hash(statement[start:start + size])
                      for start in range(len(statement) - size + 1)]
            self.grams += [Gram(value, offset + start, offset + start + size - 1)
                           for start, value in enumerate(hashes)]
            self.fingerprints |= winnow(hashes, window)
        self._where = defaultdict(list)
        for gram in self.grams:
            self._where[gram.hash].append(gram)
        self.hashes = set(self._where)
        self.size = len(self.tokens)

    def covered(self, hashes):
        """A mask of the tokens (1: inside a gram whose hash is in `hashes`), a bytearray."""
        mask = bytearray(self.size)
        for value in hashes:
            for gram in self._where.get(value, ()):
                mask[gram.first:gram.last + 1] = b"\1" * (gram.last + 1 - gram.first)
        return mask


def _text(statement):
    return tuple(token.text for token in statement)


def base_statements(source):
    """The normalized statements of code given to every student (e.g. a release cell)."""
    return frozenset(map(_text, statements(source)))


def compare(a, b):
    """(score, shared hashes, mask of a's tokens covered, mask of b's) of two Answers.

    The score is the share of both answers' tokens (base code excepted) that lie in a
    k-gram the other answer has too: 1.0 for copies however renamed, reordered or
    commented, 0.0 for answers with nothing in common.
    """
    shared = a.hashes & b.hashes
    covered_a, covered_b = a.covered(shared), b.covered(shared)
    total = a.size + b.size
    score = (covered_a.count(1) + covered_b.count(1)) / total if total else 0.0
    return score, shared, covered_a, covered_b
