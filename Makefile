# Two entry points for a new user (see README):
#   make run    installs into .venv and generates the built-in default dataset
#   make test   installs into .venv (and .venv-imgaug for the imgaug extra) and runs every test
# Opt-in, not part of `make test` (several GB): make test-anomalib (see docs/anomalib.md).
PYTHON ?= python3
VENV ?= .venv
IMGAUG_VENV ?= .venv-imgaug
ANOMALIB_VENV ?= .venv-anomalib
# The local CPU build of torch; installed first so that no CUDA build is pulled in.
TORCH ?= torch==2.13.0
# The torchvision release that pairs with $(TORCH), for the interop tests.
TORCHVISION ?= torchvision==0.28.0
# anomalib as its users install it: the index's CUDA build of torch and the torchvision that pairs
# with it (both run on CPU). --isolated ignores pip configuration that would take the local CPU
# torch, beside which PyPI's torchvision does not import.
ANOMALIB ?= anomalib==2.7.0
ANOMALIB_TORCH ?= torch==2.13.0 torchvision==0.28.0
N ?= 10000
OUT ?= out/default

.PHONY: install run test test-core test-imgaug test-anomalib lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(TORCH)
	$(VENV)/bin/pip install -q -e ".[dev]"
	$(VENV)/bin/pip install -q $(TORCHVISION)
	touch $@

$(IMGAUG_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(IMGAUG_VENV)
	$(IMGAUG_VENV)/bin/pip install -q --upgrade pip
	$(IMGAUG_VENV)/bin/pip install -q $(TORCH) "numpy==1.23.5"
	$(IMGAUG_VENV)/bin/pip install -q -e ".[imgaug,dev]" "numpy==1.23.5"
	touch $@

$(ANOMALIB_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(ANOMALIB_VENV)
	$(ANOMALIB_VENV)/bin/pip --isolated install -q $(ANOMALIB_TORCH) $(ANOMALIB)
	$(ANOMALIB_VENV)/bin/pip --isolated install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/synthdefect generate --n $(N) --out $(OUT) --overwrite

test: lint test-core test-imgaug

# One OpenMP thread: on a 2-core machine torch's threads would contend with the test's own processes.
test-core: install
	OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest -q

# The reference model's tests too: metrics and training must work with NumPy 1.23.
test-imgaug: $(IMGAUG_VENV)/.installed
	OMP_NUM_THREADS=1 $(IMGAUG_VENV)/bin/python -m pytest -q tests/test_imgaug_extra.py tests/test_reference_*.py

# Integration tests against the real anomalib; they skip themselves where it is missing.
test-anomalib: $(ANOMALIB_VENV)/.installed
	OMP_NUM_THREADS=1 $(ANOMALIB_VENV)/bin/python -m pytest -q tests/anomalib_integration tests/test_torchvision_interop.py

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(VENV)/bin/synthdefect bench

clean:
	rm -rf $(VENV) $(IMGAUG_VENV) $(ANOMALIB_VENV) build *.egg-info
