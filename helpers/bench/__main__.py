"""``python -m helpers.bench``: see the package docstring."""

from . import main

main()
