"""Grading a class with nbgrader, one sandboxed kernel per student and lesson.

``python tools/grade.py SUBMISSIONS`` (``make grade SUBMISSIONS=DIR``) is the entry point.
The parts, one module per concept:

- :mod:`grading.course`:   the nbgrader course built from the instructor edition, and the
  students' submissions found in either layout;
- :mod:`grading.sandbox`:  the kernel launcher (limits, a separate user, hidden paths);
- :mod:`grading.hook`:     the IPython extension loaded in each graded kernel (records the
  checker's verdict in the check cell, shows feedback as display data);
- :mod:`grading.autograde`: runs ``nbgrader autograde`` per student and lesson and reads
  the result into rows;
- :mod:`grading.report`:   grades.csv, report.html and the terminal table.

This is teacher tooling: no lesson imports it, and it is not part of ``helpers``.
"""
