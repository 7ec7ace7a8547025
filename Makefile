# The two commands of the README do all the set-up:
#   make reproduce PAPER=msflow     (creates .venv on first use, then reproduces the paper)
#   make test                       (creates .venv if needed, then runs every test)
#   make test PAPER=<key>           (one paper: packages/<key> + the repository tests of its
#                                    configs and package, its budget enforced: --budget-strict)

PYTHON     ?= python3.11
VENV       ?= .venv
VPY        := $(VENV)/bin/python
PIP        := $(VPY) -m pip
CONSTRAINT := requirements/constraints.txt
WHEELHOUSE ?= ../shared/wheelhouse
MMCV_WHEEL := $(wildcard $(WHEELHOUSE)/mmcv-2.1.0-cp311-cp311-linux_x86_64.whl)
PACKAGES   := $(sort $(wildcard packages/*/pyproject.toml))
STAMP      := $(VENV)/.installed

PAPER      ?=
GPUS       ?= 1
TEST_ARGS  ?= -n 2

.PHONY: install test lint reproduce benchmark clean-venv

install: $(STAMP)

# Re-run when the pinned set or any package's metadata changes.
$(STAMP): $(CONSTRAINT) requirements/runtime.txt requirements/tests.txt shared/pyproject.toml $(PACKAGES)
	@echo ">>> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade -c $(CONSTRAINT) setuptools wheel ninja
	@echo ">>> torch + torchvision (registry CUDA build, see $(CONSTRAINT))"
	$(PIP) install -c $(CONSTRAINT) torch torchvision
	@if $(VPY) -c "import mmcv, mmcv.ops" 2>/dev/null; then \
	  echo ">>> mmcv with ops already installed"; \
	elif [ -n "$(MMCV_WHEEL)" ]; then \
	  echo ">>> mmcv 2.1.0 from the wheelhouse: $(MMCV_WHEEL)"; \
	  $(PIP) install --no-deps $(MMCV_WHEEL); \
	else \
	  echo ">>> mmcv 2.1.0 from source with its ops (about 11 minutes on 2 cores)"; \
	  MMCV_WITH_OPS=1 MAX_JOBS=$${MAX_JOBS:-2} $(PIP) install --no-build-isolation -c $(CONSTRAINT) mmcv==2.1.0; \
	fi
	$(PIP) install -c $(CONSTRAINT) mmcv==2.1.0 -r requirements/runtime.txt -r requirements/tests.txt
	$(PIP) install --no-deps -c $(CONSTRAINT) openmim torchattacks
	@echo ">>> the shared package and every paper package, editable"
	$(PIP) install --no-build-isolation --no-deps -e shared $(foreach p,$(PACKAGES),-e $(dir $(p)))
	$(VPY) tools/install_mim_links.py
	$(VPY) -c "import cvshared, mmcv.ops, mmseg.models, mmdet.models, mmaction.models, mmpretrain.models; print('stack ok')"
	touch $(STAMP)

# (the mim links first: a metafile added since `make install` gets its .mim/model-index.yml)
test: install
	@$(VPY) tools/install_mim_links.py
ifeq ($(strip $(PAPER)),)
	$(VPY) -m pytest $(TEST_ARGS)
else
	@test -f packages/$(PAPER)/pyproject.toml || { echo "no package packages/$(PAPER)"; exit 2; }
	$(VPY) -m pytest $(TEST_ARGS) --paper $(PAPER) --budget-strict packages/$(PAPER) tests
endif

lint: install
	$(VENV)/bin/ruff check shared packages tools tests configs

# make reproduce PAPER=<key> [DATA_ROOT=...] [CONFIG=...] [CATEGORY=...] [GPUS=...] [WORK_DIR=...]
reproduce: install
	$(VPY) tools/reproduce.py $(or $(PAPER),msflow) \
	  $(if $(DATA_ROOT),--data-root $(DATA_ROOT)) \
	  $(if $(CONFIG),--config $(CONFIG)) \
	  $(if $(CATEGORY),--run $(CATEGORY)) \
	  $(if $(WORK_DIR),--work-dir $(WORK_DIR)) \
	  --gpus $(GPUS)

# make benchmark PAPER=<key> [CONFIG=...] [DEVICE=cpu|cuda]
benchmark: install
	$(VPY) tools/benchmark.py $(or $(PAPER),msflow) $(if $(CONFIG),--config $(CONFIG)) $(if $(DEVICE),--device $(DEVICE))

clean-venv:
	rm -rf $(VENV)
