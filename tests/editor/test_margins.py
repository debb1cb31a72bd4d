"""Each declared margin must be enough: a region rendered alone equals the
same region of the full render."""
import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from tests.conftest import make_image

LOCAL = [op for op in CATALOG if op.margin is not None and not op.changes_size]


def test_point_and_local_operations_declare_margins():
    ids = {op.id for op in LOCAL}
    for expected in ("tone.curves", "filter.gaussian_blur", "filter.median_filter", "edges.sobel"):
        assert expected in ids


@pytest.mark.parametrize("op", LOCAL, ids=lambda op: op.id)
def test_region_equals_crop_of_full_render(op):
    image = make_image((70, 90, 3), seed=3)
    params = op.defaults()
    # Push length parameters up so the margin matters.
    for spec in op.params:
        if spec.kind in ("float", "int") and getattr(spec, "scaling", None) is not None and spec.scaling.value == "length":
            params[spec.name] = spec.validate(min(spec.maximum, max(spec.default, 3)))
    doc = Document(image)
    doc.push(doc.make_step(op.id, params))
    full = doc.render()
    doc.cache.clear()
    x, y, w, h = 30, 25, 20, 15
    region = doc.render_region((x, y, w, h))
    if op.margin_for(params) is None:  # these values need the whole image (an automatic strength)
        assert region is None
        return
    assert region is not None
    np.testing.assert_allclose(region, full[y : y + h, x : x + w], atol=1e-5)
