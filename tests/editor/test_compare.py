"""The difference view's helper: its message is the reason, callers say "Cannot compare"."""
import numpy as np
import pytest

from editor.compare import difference_heatmap


def test_size_mismatch_says_why_without_repeating_the_callers_words():
    with pytest.raises(ValueError) as info:
        difference_heatmap(np.zeros((4, 6), np.float32), np.zeros((5, 6, 3), np.float32))
    message = str(info.value)
    assert message == "the two images differ in size (6 x 4 and 6 x 5 pixels)"
    assert "compare" not in f"Cannot compare: {message}"[len("Cannot compare"):].lower()
