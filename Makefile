# Everything runs in the project's own .venv, so the generic package names
# (editor, ui, processing) never meet anything of the same name from PyPI.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: run test fuzz bench bench-batch screenshot lint-imports system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test,bench]"
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

system-deps:
	@bash scripts/system-deps.sh

## Open the editor (on the bundled sample photo unless FILE=path is given).
run: system-deps $(VENV)/.run-installed
	$(BIN)/image-editor $(FILE)

## Run the whole test suite headless, and the import-layer contracts.
test: system-deps $(VENV)/.test-installed
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider

## Fuzz the loaders (images, recipes, projects, masks, pipelines) with many more cases than `make test`
## runs; FUZZ_EXAMPLES=N per target. A failure found belongs in tests/fuzz/corpus/.
## Then atheris (libFuzzer) follows the loaders' branches for FUZZ_SECONDS per target.
FUZZ_EXAMPLES ?= 2000
FUZZ_SECONDS ?= 60
fuzz: system-deps $(VENV)/.test-installed
	IMAGE_EDITOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
		-p no:cacheprovider tests/fuzz --hypothesis-show-statistics
	$(BIN)/pip install -q atheris
	for target in image recipe pipeline; do \
		$(BIN)/python tests/fuzz/atheris_target.py $$target -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
			-artifact_prefix=tests/fuzz/ || exit 1; \
	done

lint-imports: $(VENV)/.test-installed
	$(BIN)/lint-imports

## Time our operations beside scipy, scikit-image, OpenCV and Pillow.
bench: system-deps $(VENV)/.bench-installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/run.py $(BENCH_ARGS)
	$(BIN)/python tests/benchmarks/warp_bench.py --output tests/benchmarks/RESULTS.md
	$(BIN)/python tests/benchmarks/augment_bench.py --output tests/benchmarks/AUGMENT.md
	$(BIN)/python tests/benchmarks/augment_floor.py --output tests/benchmarks/AUGMENT_FLOOR.md
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/selection_bench.py --output tests/benchmarks/SELECTION.md
	$(BIN)/python tests/benchmarks/brush_bench.py
	$(BIN)/python tests/benchmarks/synthesis_bench.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/augment_grid_bench.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/restoration_bench.py --output tests/benchmarks/RESTORATION.md
	$(BIN)/python tests/benchmarks/cnn_bench.py --output tests/benchmarks/CNN.md

## Time `image-editor apply` on 60 photos of 12 MP: --jobs 1, --jobs 2 and Dask (its section of RESULTS.md).
bench-batch: $(VENV)/.test-installed
	$(BIN)/python tests/benchmarks/batch_bench.py --append tests/benchmarks/RESULTS.md $(BENCH_ARGS)

## Regenerate docs/screenshot.png from the real window (offscreen).
screenshot: system-deps $(VENV)/.run-installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshot.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
