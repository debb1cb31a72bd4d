"""``python -m editor``: the same as the ``image-editor`` command."""
import sys

from .cli import main

sys.exit(main())
