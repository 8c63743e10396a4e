"""Putting user text on screen safely.

Streamlit renders Markdown in titles, captions and alerts: a customer called
``[点我](http://x)`` or ``![](…)`` would become a link or an image. Every piece of
user text that goes into such an element passes through :func:`md_escape`.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")


def md_escape(text: object) -> str:
    r"""``text`` with every Markdown (and HTML, LaTeX) special character escaped.

    >>> md_escape("**粗体** <b>x</b> [a](b) $x$")
    '\\*\\*粗体\\*\\* \\<b\\>x\\<\\/b\\> \\[a\\]\\(b\\) \\$x\\$'
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
    return escaped.replace("/", "\\/").replace("\n", "  \n")
