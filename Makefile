# The study's two commands (see README):
#   make figures [PROFILE=paper|quick] [SEED=0] [ARGS="--only 02 --recompute"]
#                                                regenerate every notebook, figure and table
#   make test                                    unit tests + nbval over the notebooks (quick profile),
#                                                one test file or notebook per core
#   make long                                    the scripts outside make figures: the paper's budget
#                                                (long profile) and the fit-seed, Fourier, snap,
#                                                lines, flow and image-budget runs; resumable, hours
#                                                on 2 cores
# Both create or refresh the project-local environment (.venv) from the pinned requirements
# when it is missing or older than requirements*.txt / pyproject.toml.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.advai-env-stamp
PROFILE ?= paper
SEED    ?= 0
ARGS    ?=

.PHONY: env figures test long clean-cache

env: $(STAMP)

# The environment is exactly the lock (tests/test_environment.py checks that it agrees with the
# pins of requirements.txt): no dependency resolution, then `pip check`. Bytecode is compiled on
# every core afterwards instead of file by file inside pip (about 15 s less on 2 cores); like pip,
# compileall skips the few files it cannot compile (torch ships tests written for Python 3.12).
$(STAMP): requirements.txt requirements-lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "advai needs Python 3.11, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps --no-compile -r requirements-lock.txt
	$(PY) -m pip check
	$(PY) -m compileall -qq -j 0 $(VENV)/lib || true
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

figures: $(STAMP)
	$(PY) -m advai.study --profile $(PROFILE) --seed $(SEED) $(ARGS)

test: $(STAMP)
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider -n auto --dist loadfile

# In this order: fourier_features.py compares with fit_seed_spread.py's fits, and every script whose
# fit seed 0 is notebook 2's fit reads it from the run cache. Each script refreshes the README's and
# docs/' quotes itself when it writes into figures/.
long: $(STAMP)
	$(PY) scripts/advai_long.py
	$(PY) scripts/fit_seed_spread.py
	$(PY) scripts/fourier_features.py
	$(PY) scripts/snap_capacity.py
	$(PY) scripts/snap_capacity.py --prior ring
	$(PY) scripts/lines_long.py
	$(PY) scripts/flow_priors.py
	$(PY) scripts/flow_grid.py
	$(PY) scripts/image_budget.py

clean-cache:
	rm -rf runs build
