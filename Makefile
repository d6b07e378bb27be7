# The workflow of the project: `make demo` on a fresh machine, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= maduro-2024
MODEL := models/general
STAMP := $(VENV)/.installed

.PHONY: install train demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# One model learns from every target naming models/general. Retrain when the training data,
# the actor dictionaries, the targets, the swap suite or the code that reads them (language packs too) changes.
# (pipeline/actors/open_world.py is left out: the training corpora are read with the dictionary's actors only.)
TRAIN_CODE := $(addprefix pipeline/,classifiers.py config.py corpus.py model.py model_files.py segment.py training.py vectors.py) \
	$(filter-out pipeline/actors/open_world.py,$(wildcard pipeline/actors/*.py)) $(wildcard pipeline/features/*.py pipeline/lang/*.py)
$(MODEL)/manifest.json: $(STAMP) $(wildcard data/train/*/*.csv) $(wildcard data/actors/*.toml) $(wildcard targets/*.toml) $(wildcard data/swap/*) $(TRAIN_CODE)
	$(BIN)/stance train --target $(TARGET)

train: install
	$(BIN)/stance train --target $(TARGET)

demo: $(MODEL)/manifest.json
	$(BIN)/stance classify data/samples/ -o samples-matrix.csv
	$(BIN)/stance classify data/samples/ --format table
	@echo "Position matrix written to samples-matrix.csv"

test: $(MODEL)/manifest.json
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check pipeline tests bench

# Throughput, memory, cold start and training time; writes bench/results/latest.json. About 5
# minutes, plus 15 to 30 for the 100,000-article JSONL (issue 19) and about 8 for classify,
# network and timeline on 10,000 articles (issue 18). A short run:
#   make bench BENCH_JSONL= BENCH_ANALYSES=1000
BENCH_JSONL ?= 100000
BENCH_ANALYSES ?= 10000
bench: $(MODEL)/manifest.json
	$(BIN)/python bench/run.py --jsonl-sizes $(BENCH_JSONL) --analyses-sizes $(BENCH_ANALYSES) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) models/*/ samples-matrix.csv
