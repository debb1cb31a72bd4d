"""Dataset export: files, labels and manifests; the manifest replays exactly."""
import csv
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from editor.dataset_export import (DatasetError, export_dataset, find_sources, load_targets, read_coco, read_mask,
                                   read_yolo)
from editor.image_file import load_image
from processing import augment

GEOMETRY = [{"transform": "rotate", "p": 0.7, "angle_deg": [-30, 30]},
            {"transform": "affine", "p": 0.7}, {"transform": "hflip", "p": 0.5},
            {"transform": "contrast", "p": 0.5}, {"transform": "blur", "p": 0.3}]


def _photo(path, shape=(30, 40, 3), seed=0, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    top = 255 if dtype == np.uint8 else 65535
    Image.fromarray((rng.random(shape) * top).astype(dtype)).save(path)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "masks").mkdir()
    for n in range(2):
        _photo(tmp_path / "in" / f"s{n}.png", seed=n)
        mask = np.zeros((30, 40), np.uint8)
        mask[8:20, 10:25] = 1
        mask[22:28, 30:38] = 4
        image = Image.fromarray(mask, "L")
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0] + [0] * 753)
        image.save(tmp_path / "masks" / f"s{n}.png")
    return tmp_path


def test_manifest_replays_every_output_exactly(folder):
    sources, _, failures = find_sources([folder / "in"], masks=folder / "masks")
    assert failures == [] and [s.mask.name for s in sources] == ["s0.png", "s1.png"]
    result = export_dataset(sources, folder / "out", GEOMETRY, per_image=3, seed=42)
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["per_image"] == 3
    assert manifest["pipeline"] == augment.check_pipeline(GEOMETRY)
    assert len(manifest["outputs"]) == 6 == len(result.records)
    for record in manifest["outputs"]:
        out = folder / "out" / record["output"]
        assert hashlib.sha256(out.read_bytes()).hexdigest() == record["sha256"]
        # replay: the recorded parameters applied to the source give the output
        source = load_image(record["source"]).pixels
        replayed = augment.apply(source, record["parameters"]).image
        expected = np.round(replayed.astype(np.float64) * 255).astype(np.uint8)
        written = np.asarray(Image.open(out))
        np.testing.assert_array_equal(written, expected)
        mask_in = np.asarray(Image.open(folder / "masks" / "s{}.png".format(record["input_index"])))
        mask_out = Image.open(folder / "out" / record["mask"])
        assert mask_out.mode == "P" and mask_out.getpalette()[:15] == [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,
                                                                       255, 255, 0]
        replayed_mask = augment.apply(source, record["parameters"], masks=[mask_in]).masks[0]
        np.testing.assert_array_equal(np.asarray(mask_out), replayed_mask)
        assert set(np.unique(np.asarray(mask_out))) <= {0, 1, 4}
        # the seed is the run's, the variant that of (seed, input, variant)
        assert record["parameters"] == augment.sample(
            GEOMETRY, augment.variant_seed(42, record["input_index"], record["variant_index"]), source.shape)
    with open(folder / "out" / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["output"] for r in rows] == [r["output"] for r in manifest["outputs"]]
    assert [json.loads(r["parameters"]) for r in rows] == [r["parameters"] for r in manifest["outputs"]]
    assert rows[0]["sha256"] == manifest["outputs"][0]["sha256"]


def test_sixteen_bit_inputs_give_sixteen_bit_outputs(tmp_path):
    (tmp_path / "in").mkdir()
    _photo(tmp_path / "in" / "deep.png", shape=(20, 24), dtype=np.uint16)
    sources, _, _ = find_sources([tmp_path / "in"])
    export_dataset(sources, tmp_path / "out", [{"transform": "vflip", "p": 1.0}], per_image=1, seed=0)
    source = np.asarray(Image.open(tmp_path / "in" / "deep.png"))
    written = Image.open(tmp_path / "out" / "images" / "deep_000.png")
    assert written.mode.startswith("I")
    np.testing.assert_array_equal(np.asarray(written), source[::-1])


def test_yolo_labels_follow_the_image(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "labels").mkdir()
    _photo(tmp_path / "in" / "a.jpg")
    _photo(tmp_path / "in" / "b.png")
    # a 10 x 6 box at x 4..14, y 3..9 of a 40 x 30 image
    (tmp_path / "labels" / "a.txt").write_text("3 0.225 0.2 0.25 0.2\n\n7 0.5 0.5 0.1 0.1\n")
    sources, _, _ = find_sources([tmp_path / "in"], labels=tmp_path / "labels", label_format="yolo")
    export_dataset(sources, tmp_path / "out", [{"transform": "hflip", "p": 1.0}], per_image=1, seed=0,
                   label_format="yolo")
    lines = (tmp_path / "out" / "labels" / "a_000.txt").read_text().splitlines()
    assert lines == ["3 0.775000 0.200000 0.250000 0.200000", "7 0.500000 0.500000 0.100000 0.100000"]
    assert (tmp_path / "out" / "labels" / "b_000.txt").read_text() == ""  # no labels file: no objects
    assert (tmp_path / "out" / "images" / "a_000.jpg").is_file()  # the input's format


def test_coco_boxes_and_keypoints_follow_the_image(tmp_path):
    (tmp_path / "in").mkdir()
    _photo(tmp_path / "in" / "a.png")
    _photo(tmp_path / "in" / "b.png")
    coco = {"images": [{"id": 5, "file_name": "sub/a.png", "width": 40, "height": 30}],
            "annotations": [{"id": 1, "image_id": 5, "category_id": 2, "bbox": [4, 3, 10, 6], "iscrowd": 0,
                             "keypoints": [5.5, 4.5, 2, 0, 0, 0, 39.5, 29.5, 1],
                             "segmentation": [[4, 3, 14, 3, 14, 9, 4, 9], [30, 20, 39, 20, 39, 29]]}],
            "categories": [{"id": 2, "name": "cat"}]}
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    sources, categories, _ = find_sources([tmp_path / "in"], labels=tmp_path / "coco.json", label_format="coco")
    op = {"transform": "affine", "p": 1.0, "scale": [1, 1], "translate": [0.05, 0.05], "shear_deg": [0, 0]}
    export_dataset(sources, tmp_path / "out", [op], per_image=1, seed=0, label_format="coco",
                   categories=categories)
    out = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert out["categories"] == [{"id": 2, "name": "cat"}]
    assert [i["file_name"] for i in out["images"]] == ["images/a_000.png", "images/b_000.png"]
    (ann,) = out["annotations"]
    assert ann["image_id"] == 1 and ann["category_id"] == 2
    np.testing.assert_allclose(ann["bbox"], [6, 4.5, 10, 6])  # moved 2 px right, 1.5 px down
    np.testing.assert_allclose(ann["keypoints"], [7.5, 6, 2, 0, 0, 0, 0, 0, 0])  # the last left the frame
    assert ann["num_keypoints"] == 1
    # polygons move with the image; the triangle pushed past the right edge is cut there
    np.testing.assert_allclose(ann["segmentation"][0], [6, 4.5, 16, 4.5, 16, 10.5, 6, 10.5])
    triangle = sorted(zip(ann["segmentation"][1][0::2], ann["segmentation"][1][1::2]))
    np.testing.assert_allclose(triangle, [(32, 21.5), (40, 21.5), (40, 29.5)])
    assert ann["area"] == pytest.approx(60 + 0.5 * 8 * 8)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {r["labels"] for r in manifest["outputs"]} == {"annotations.json"}


def test_stopping_leaves_complete_files_and_a_manifest_of_them(folder):
    sources, _, _ = find_sources([folder / "in"], masks=folder / "masks")
    seen = []

    class Stop(Exception):
        pass

    def progress(fraction):
        seen.append(fraction)
        if fraction >= 0.5:
            raise Stop

    with pytest.raises(Stop):
        export_dataset(sources, folder / "out", GEOMETRY, per_image=2, seed=1, progress=progress)
    assert seen == [0.0, 0.25, 0.5]
    images = sorted(p.name for p in (folder / "out" / "images").iterdir())
    assert images == ["s0_000.png", "s0_001.png"]
    assert not [p for p in (folder / "out").rglob("*.tmp")]
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert [r["output"] for r in manifest["outputs"]] == ["images/s0_000.png", "images/s0_001.png"]


def test_inputs_with_the_same_name_get_distinct_outputs(tmp_path):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        _photo(tmp_path / sub / "same.png")
    sources, _, _ = find_sources([tmp_path / "x", tmp_path / "y"])
    assert [s.name for s in sources] == ["same", "same-2"]


def test_a_mask_of_another_size_fails_that_input_only(folder):
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(folder / "masks" / "s1.png")
    sources, _, _ = find_sources([folder / "in"], masks=folder / "masks")
    result = export_dataset(sources, folder / "out", GEOMETRY, per_image=1, seed=0)
    assert len(result.records) == 1
    assert len(result.failures) == 1 and "is 10 x 10, the image 40 x 30" in result.failures[0].error


def test_label_files_are_checked(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("0 0.5 0.5 0.1 0.1\n1 0.5 0.5\n")
    with pytest.raises(DatasetError, match="bad.txt, line 2: expected 5 values"):
        read_yolo(bad)
    bad.write_text("0 0.5 nan 0.1 0.1\n")
    with pytest.raises(DatasetError, match="line 1"):
        read_yolo(bad)
    coco = tmp_path / "c.json"
    coco.write_text('{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"image_id": 2, '
                    '"category_id": 1, "bbox": [0, 0, 1, 1]}]}')
    with pytest.raises(DatasetError, match=r"annotations\[0\]: image_id 2 is not among the images"):
        read_coco(coco)
    coco.write_text('{"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"image_id": 1, '
                    '"category_id": 1, "bbox": [0, 0, -1, 1]}]}')
    with pytest.raises(DatasetError, match="bbox must be"):
        read_coco(coco)
    with pytest.raises(DatasetError, match="it is a device"):
        read_mask("/dev/zero")


def test_bad_settings_are_refused(folder):
    sources, _, _ = find_sources([folder / "in"])
    with pytest.raises(DatasetError, match="variants per image"):
        export_dataset(sources, folder / "out", [], per_image=0, seed=0)
    with pytest.raises(DatasetError, match="seed"):
        export_dataset(sources, folder / "out", [], per_image=1, seed=-1)
    with pytest.raises(DatasetError, match="say which format"):
        find_sources([folder / "in"], labels=folder, label_format="voc")
    with pytest.raises(DatasetError, match="must hold one COCO JSON file, found 0"):
        find_sources([folder / "in"], labels=folder / "in", label_format="coco")


def test_targets_of_one_input_for_the_panel(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "labels").mkdir()
    _photo(tmp_path / "in" / "a.png")
    (tmp_path / "labels" / "a.txt").write_text("3 0.225 0.2 0.25 0.2\n")
    (source,), _, _ = find_sources([tmp_path / "in" / "a.png"], labels=tmp_path / "labels", label_format="yolo")
    targets = load_targets(source, 30, 40, "yolo")
    np.testing.assert_allclose(targets.boxes, [[4, 3, 14, 9]])
    assert targets.classes.tolist() == [3] and targets.mask is None and targets.keypoints is None
