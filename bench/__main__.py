"""``python -m bench``: see the package docstring."""

from . import main

main()
