"""Math on the course site as MathML, converted at build time: no MathJax, no script, no CDN.

Sphinx's default math renderer loads MathJax from a CDN in every page, so the formulas of
09_backpropagation would show as raw LaTeX on a page read offline. docutils converts LaTeX
to MathML itself (``docutils.utils.math.latex2mathml``), and browsers draw MathML natively
(Chromium ≥ 109, Firefox, Safari). A formula docutils cannot convert is a build warning,
which ``make site`` (``-W``) turns into an error. docutils lacks amsmath's ``\\dots``; it is
read as ``\\ldots`` (what it means between commas).
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.utils.math import latex2mathml
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

# LaTeX commands MathJax knows and docutils does not, with the one docutils draws the same.
_ALIASES = {r"\dots": r"\ldots"}
_ALIAS = re.compile("|".join(re.escape(name) + "(?![A-Za-z])" for name in _ALIASES))


# A function name and its argument ("log p"): browsers give the invisible
# function-application operator no space, so "−log p" reads "−logp". A thin space after
# it, as TeX puts there.
_APPLY = "<mo>&ApplyFunction;</mo>"
_APPLY_SPACED = '<mo rspace="0.1667em">&ApplyFunction;</mo>'


def _mathml(translator, node, latex: str, block: bool) -> str:
    try:
        mathml = latex2mathml.tex2mathml(
            _ALIAS.sub(lambda m: _ALIASES[m.group(0)], latex), as_block=block
        )
        return mathml.replace(_APPLY, _APPLY_SPACED)
    except (ValueError, SyntaxError) as error:  # docutils.utils.math.MathError is a ValueError
        logger.warning(
            "cannot convert the formula %r to MathML (%s); write it in the LaTeX subset "
            "that docutils understands",
            latex,
            error,
            location=node,
        )
        return translator.encode(latex)


def visit_math(translator, node: nodes.math) -> None:
    translator.body.append(translator.starttag(node, "span", "", CLASS="math notranslate"))
    translator.body.append(_mathml(translator, node, node.astext(), block=False))
    translator.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(translator, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node.get("number"):
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})</span>')
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        translator.body.append(_mathml(translator, node, part, block=True))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
