"""IPython extension loaded into every graded kernel (``engine_grading_hook``).

Copied next to the kernel by the sandbox launcher and loaded with
``--IPKernelApp.extensions``; it needs nothing but IPython, and reads the course's
``Feedback`` only once a notebook has imported ``helpers.checks``.

1. A Feedback at the end of a cell is shown as *display data*, not as the cell's result.
   nbgrader reads a graded cell's result (``execute_result``) as partial credit and warns
   "Cell output is Right: … cannot be converted to a float" for every right answer; it
   ignores display data. The student sees the same feedback either way.
2. After each cell that confirms a verdict (``helpers.checks.confirm(result_x)``, the hidden
   test), the verdict is published once more as a *record* for the grader: display data of
   the Feedback media type with ``{"engine_grading": "record"}`` in its metadata, also when
   the hidden test raised (a wrong answer), which leaves no result to read otherwise. A
   verdict the hidden test refuses as tampered (a hand-made Feedback, a replaced checker or
   numpy function) is recorded with the diagnosis "tampered".

A student's code runs in this kernel and could forge a record; records decide only the
diagnosis in the report, never the points (nbgrader's hidden tests decide those).
"""

from __future__ import annotations

import re
import sys

FEEDBACK_MIME = "application/vnd.engine-of-neural-networks.feedback+json"
RECORD = {"engine_grading": "record"}
CONFIRMED = re.compile(r"\bconfirm\(\s*([A-Za-z_]\w*)\s*\)")
CHECKED = re.compile(r"^([A-Za-z_]\w*)\s*=\s*check_\w+\(", re.MULTILINE)
FIELDS = ("passed", "answered", "diagnosis", "precision", "message")


def _feedback_class():
    core = sys.modules.get("helpers.checks.core")
    return getattr(core, "Feedback", None)


def payload(feedback) -> dict:
    """The verdict as the Feedback media type's JSON (CORE_API: FEEDBACK_MIME)."""
    bundle = {}
    method = getattr(type(feedback), "_repr_mimebundle_", None)
    if method is not None:
        try:
            found = method(feedback)
            bundle = found[0] if isinstance(found, tuple) else found
        except Exception:  # noqa: BLE001 - fall back to the fields below
            bundle = {}
    data = (bundle or {}).get(FEEDBACK_MIME)
    if isinstance(data, dict):
        return dict(data)
    return {
        "passed": bool(getattr(feedback, "passed", False)),
        "answered": bool(getattr(feedback, "answered", True)),
        "diagnosis": str(getattr(feedback, "diagnosis", "") or ""),
        "precision": str(getattr(feedback, "precision", "") or ""),
        "message": str(getattr(feedback, "message", "")),
    }


def tampered(feedback, namespace: dict) -> bool:
    """What the hidden test (helpers.checks.confirm) refuses as changed: a verdict no
    course checker issued, or a checker, engine or numpy function replaced."""
    core = sys.modules.get("helpers.checks.core")
    issued = getattr(core, "_ISSUED", None)
    if issued is not None and not any(feedback is known for known in issued):
        return True
    changed = getattr(core, "tampering", None)
    try:
        return bool(changed(namespace)) if changed is not None else False
    except Exception:  # noqa: BLE001 - a broken check is a changed check
        return True


def _bundle(feedback) -> dict:
    data = {"text/plain": str(feedback)}
    markdown = getattr(feedback, "_repr_markdown_", None)
    if markdown is not None:
        data["text/markdown"] = markdown()
    data[FEEDBACK_MIME] = payload(feedback)
    return data


def load_ipython_extension(ip) -> None:
    from IPython.display import publish_display_data

    def show(feedback) -> bool:
        publish_display_data(_bundle(feedback))
        return True

    ip.display_formatter.ipython_display_formatter.for_type_by_name(
        "helpers.checks.core", "Feedback", show
    )

    def record(result) -> None:
        feedback_class = _feedback_class()
        source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        if feedback_class is None:
            return
        # The hidden test confirms a name; a check cell without one assigns check_x(...).
        names = CONFIRMED.findall(source) or CHECKED.findall(source)
        for name in dict.fromkeys(names):
            value = ip.user_ns.get(name)
            if isinstance(value, feedback_class):
                data = payload(value)
                data["variable"] = name
                if tampered(value, ip.user_ns):
                    data.update(passed=False, diagnosis="tampered")
                publish_display_data({FEEDBACK_MIME: data}, metadata=RECORD)

    ip.events.register("post_run_cell", record)
