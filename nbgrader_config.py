"""nbgrader settings for this course, read by ``make student`` (tools/student_edition.py)
and by ``make grade`` (tools/grade.py), which copies them into its course folder and adds
what grading a class needs: the sandboxed kernel, the time limits, and missing check
cells put back (README, "Grading a class").

The instructor edition (notebooks/NN_*.ipynb) marks answers between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` and answer tests between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``. The student edition replaces each solution with the stub below.
nbgrader's default stub raises NotImplementedError; this one is a plain ``pass``, so a
student edition with every answer blank runs top to bottom: names are defined before the
solution region (``my_w = ...``), a function's stub body returns None, and the checkers
answer "Not answered yet" for both.
"""

c = get_config()  # noqa: F821 - nbgrader and traitlets provide get_config

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\npass"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
