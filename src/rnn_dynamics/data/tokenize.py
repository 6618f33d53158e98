"""One word tokeniser for every dataset, compatible with SST's Penn Treebank tokens.

SST is distributed already tokenised in PTB style (``does n't``, ``ca n't``, ``it 's``, and
opening/closing quotes written as two backticks / two apostrophes), so raw IMDB/Yelp text is
split the PTB way too: the same sentence gives the same tokens whichever dataset it comes from.
In particular negations are their own token (``don't`` -> ``do n't``; ``can't`` -> ``ca n't``,
``won't`` -> ``wo n't`` exactly as PTB and SST write them; ``cannot`` -> ``can not``), which
matters because negation is one of the contextual effects the analysis looks for.

Other rules:

- lower-case; HTML tags removed (``<br />`` becomes a space); HTML entities unescaped;
- clitics ``'s 're 've 'll 'd 'm`` split off as tokens;
- all quote marks (straight, curly, and PTB's two-backtick / two-apostrophe forms) become
  ``"``;
- words and numbers are tokens; hyphenated words stay whole (``jean-claud``); numbers keep
  inner ``. , / :`` (``7.5``, ``10/10``, ``1,000``);
- every other non-space character is punctuation; a run of the same character is one token
  (``...``, ``--``, ``!!!``), so ``!`` and ``?`` survive as sentiment-bearing tokens;
- control characters are dropped and any whitespace separates tokens.
"""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*\b[^<>]{0,200}?/?\s*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_QUOTES = re.compile(r"``|''|[\u201c\u201d\u201e\u00ab\u00bb]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u201b\u00b4`]")
_CANNOT = re.compile(r"\bcannot\b")
_NEGATION = re.compile(r"(?<=\w)n't\b")
_CLITIC = re.compile(r"(?<=\w)'(s|re|ve|ll|d|m)\b")
_TOKEN = re.compile(
    r"n't\b"  # negation clitic (already split off)
    r"|'(?:s|re|ve|ll|d|m)\b"  # other clitics
    r"|\d+(?:[.,/:]\d+)+"  # numbers with inner separators
    r"|\w+(?:-\w+)*"  # words, hyphenated words, plain numbers
    r"|([^\w\s])\1*"  # punctuation: a run of one character
)


def tokenize(text: str) -> list[str]:
    """Split one document into lower-case tokens (see the module docstring for the rules)."""
    text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub(" ", text).lower()
    text = _QUOTES.sub('"', text)
    text = _APOSTROPHES.sub("'", text)
    if "'" in text:
        text = _NEGATION.sub(" n't", text)
        text = _CLITIC.sub(r" '\1", text)
    if "cannot" in text:
        text = _CANNOT.sub("can not", text)
    return [match.group(0) for match in _TOKEN.finditer(text)]
