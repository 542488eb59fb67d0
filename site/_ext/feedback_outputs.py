"""A check cell's verdict in the web book: its words, not its machine-readable record.

Every Feedback a checker returns carries, beside its text/markdown and text/plain, a
record of the verdict (``helpers.checks.FEEDBACK_MIME``) that ``make grade`` reads from a
graded notebook. A browser has nothing to show for it, and myst-nb renders every media
type of an output before it picks the one to show, warning about each it does not know
(an error under ``-W``). This extension makes the renderer skip that one type, silently;
the verdict's text/markdown is what the page shows. Any other unknown type still warns.
"""

from __future__ import annotations

from myst_nb.core.render import NbElementRenderer

from helpers.checks import FEEDBACK_MIME


def setup(app):
    render = NbElementRenderer.render_mime_type
    if not getattr(render, "_skips_feedback", False):

        def render_mime_type(self, data):
            if data.mime_type == FEEDBACK_MIME:
                return []
            return render(self, data)

        render_mime_type._skips_feedback = True
        NbElementRenderer.render_mime_type = render_mime_type
    return {"parallel_read_safe": True, "parallel_write_safe": True}
