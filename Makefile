# MetaMapper developer entry points. Every target installs what it needs, idempotently.
# The repository root is the plugin folder; build/pkg/metamapper links to it so that the
# plugin can be imported as the package `metamapper` (tests, qgis_process, Xvfb checks).

SHELL := /bin/bash
.DEFAULT_GOAL := help

QGIS_PYTHON ?= /usr/bin/python3
VENV        := .venv
PY          := $(VENV)/bin/python
TRAIN_VENV  := .venv-train
TRAIN_PY    := $(TRAIN_VENV)/bin/python
PKG         := build/pkg
STAMP       := $(VENV)/.installed
TRAIN_STAMP := $(TRAIN_VENV)/.installed
APT_PACKAGES := qgis python3-qgis qgis-providers xvfb
I18N_APT_PACKAGES := qttools5-dev-tools
LRELEASE    ?= lrelease
# Qt translation catalogues: i18n/*.ts (in git, scripts/update_ts.py) -> i18n/*.qm (built)
TS_FILES    := $(wildcard i18n/*.ts)
QM_FILES    := $(TS_FILES:.ts=.qm)
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian chroots with other QGIS versions (scripts/qgis_chroot.sh), built once, kept here.
CHROOT_CACHE ?= $(HOME)/.cache/metamapper/chroots
export QT_QPA_PLATFORM ?= offscreen
export PYTHONPATH := $(CURDIR)/$(PKG):/usr/share/qgis/python/plugins:$(PYTHONPATH)

.PHONY: help install install-train demo test test-plugin test-train package lint bench evaluate-outside \
        metatrain evaluate evaluate-nested evaluate-vs-1.0.0 evaluate-suggestions tune-adaptation screenshots clean test-qgis340 test-qgis344 \
        translations update-ts wheelhouse install-check

help:
	@echo "make demo       run MetaMapper on the bundled Landsat-8 sample (installs first)"
	@echo "make test       the whole test suite, headless (installs first), here and on QGIS 3.40 + 3.44"
	@echo "make test-qgis340 / test-qgis344   the plugin suite on QGIS 3.40 LTR / 3.44 (Debian chroots)"
	@echo "make package    build dist/metamapper-<version>.zip for QGIS 'Install from ZIP'"
	@echo "make translations / update-ts   compile i18n/*.ts to .qm / re-extract the strings"
	@echo "make lint       ruff + mypy on core/"
	@echo "make bench      speed and memory benchmarks -> bench/results/"
	@echo "make metatrain  meta-train the bundled model with learn2learn (training extra)"
	@echo "make evaluate   leave-one-scene-out evaluation vs baselines -> docs/benchmarks.*"
	@echo "make evaluate-nested  the card's settings chosen nested -> docs/nested_selection.md"
	@echo "make evaluate-outside  outside check scenes (never trained or chosen on) -> build/outside/"
	@echo "make evaluate-vs-1.0.0  the shipped card against card 1.0.0 per scene group, paired -> build/vs-1.0.0/"
	@echo "make tune-adaptation  band correction prior scale / L2, leave-one-scene-out -> docs/adaptation_tuning.md"
	@echo "make evaluate-suggestions  'where to label next' vs random labels -> docs/suggestions.*"

# --- set-up -------------------------------------------------------------------------------
$(PKG)/metamapper:
	@mkdir -p $(PKG) && ln -sfn $(CURDIR) $(PKG)/metamapper

$(STAMP): requirements.txt requirements-dev.txt
	@if ! command -v qgis_process.bin >/dev/null || ! $(QGIS_PYTHON) -c "import qgis.core" 2>/dev/null \
	    || ! command -v xvfb-run >/dev/null; then \
	  echo "Installing QGIS and Xvfb from the distribution ($(APT_PACKAGES))"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@test -x $(PY) || $(QGIS_PYTHON) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	@$(PY) -c "import qgis.core, torch, rasterio, sklearn; print('venv ready: torch', torch.__version__, '| rasterio', rasterio.__version__)"
	@touch $@

install: $(STAMP) $(PKG)/metamapper translations

# --- translations -------------------------------------------------------------------------
translations: $(QM_FILES)

i18n/%.qm: i18n/%.ts
	@if ! command -v $(LRELEASE) >/dev/null; then \
	  echo "Installing Qt's lrelease ($(I18N_APT_PACKAGES))"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(I18N_APT_PACKAGES); \
	fi
	QT_SELECT=qt5 $(LRELEASE) -silent $< -qm $@

# new/changed tr() and msg() strings -> i18n/*.ts (translations kept; new ones unfinished)
update-ts:
	$(QGIS_PYTHON) scripts/update_ts.py

$(TRAIN_STAMP): scripts/install_train.sh requirements-train.txt
	bash scripts/install_train.sh $(TRAIN_VENV)
	@touch $@

install-train: $(TRAIN_STAMP) $(PKG)/metamapper

# --- the main job -------------------------------------------------------------------------
demo: install
	$(PY) scripts/demo.py --out build/demo

# --- tests --------------------------------------------------------------------------------
test: install install-train
	@$(PY) scripts/versions.py
	$(PY) -m pytest -q --ignore=tests/train
	$(TRAIN_PY) -m pytest -q -p no:cacheprovider tests/train
	@$(MAKE) --no-print-directory test-qgis340 test-qgis344

test-plugin: install
	$(PY) -m pytest -q --ignore=tests/train

test-train: install-train
	$(TRAIN_PY) -m pytest -q -p no:cacheprovider tests/train

# The plugin suite on other QGIS versions, each in a Debian chroot (Debian's own torch,
# rasterio, scikit-learn) cached in $(CHROOT_CACHE); needs root for mount/chroot.
test-qgis340: $(PKG)/metamapper translations
	$(SUDO) bash scripts/qgis_chroot.sh trixie 3.40 "$(CHROOT_CACHE)" -q

# The one-click installer's headless door on a QGIS 3.40 without rasterio and scikit-learn
# (a Debian trixie chroot with Debian's torch only; needs root and the network).
install-check: $(PKG)/metamapper translations
	$(SUDO) METAMAPPER_CHROOT_VARIANT=bare METAMAPPER_CHROOT_SCRIPT=scripts/install_check.py \
	    bash scripts/qgis_chroot.sh trixie 3.40 "$(CHROOT_CACHE)"

test-qgis344: $(PKG)/metamapper translations
	$(SUDO) bash scripts/qgis_chroot.sh sid 3.44 "$(CHROOT_CACHE)" -q

# --- distribution and quality -------------------------------------------------------------
package: $(PKG)/metamapper translations
	$(QGIS_PYTHON) scripts/package.py --out dist

# Wheels for offline installs (Install dependencies… ▸ Folder of wheels, or
# `python3 -m metamapper.install --find-links DIR`): make wheelhouse WHEEL_PLATFORM=win_amd64
# WHEEL_PYTHON=3.12 (platforms: linux_x86_64, win_amd64, macos_arm64) -> dist/wheelhouse/
WHEEL_PLATFORM ?= linux_x86_64
WHEEL_PYTHON ?= $(shell $(QGIS_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
wheelhouse: $(PKG)/metamapper
	cd $(PKG) && $(QGIS_PYTHON) -m metamapper.install --wheelhouse $(CURDIR)/dist/wheelhouse \
	    --platform $(WHEEL_PLATFORM) --python $(WHEEL_PYTHON)

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

# --- measurements -------------------------------------------------------------------------
bench: install
	$(PY) bench/bench_engine.py
	$(PY) bench/bench_transduction.py
	$(PY) bench/bench_apply.py
	$(PY) bench/bench_processing.py
	$(SUDO) env METAMAPPER_CHROOT_SCRIPT=bench/bench_processing.py bash scripts/qgis_chroot.sh \
	    trixie 3.40 "$(CHROOT_CACHE)"

# Two stages, both seeded: (1) the library/UCR recipe (5 learners compared, ~11 min on 2
# cores); (2) continued meta-training with real-scene episodes (4 learners compared, the best
# shipped) plus one leave-one-scene-out model per scene group for `make evaluate` (~5 min).
metatrain: install-train
	cd $(PKG) && $(CURDIR)/$(TRAIN_PY) -m metamapper.training.metatrain.train --scene-weight 0 \
	    --out $(CURDIR)/build/metatrain/library.pt
	cd $(PKG) && $(CURDIR)/$(TRAIN_PY) -m metamapper.training.metatrain.train \
	    --init $(CURDIR)/build/metatrain/library.pt --methods fomaml,metasgd,anil,protonet \
	    --steps 400 --final-steps 400 --fold-steps 800 --folds-out $(CURDIR)/resources/models/loso

evaluate: install install-train
	cd $(PKG) && $(CURDIR)/$(TRAIN_PY) -m metamapper.training.evaluate --jobs $$(nproc) \
	    --fold-models $(CURDIR)/resources/models/loso --discussion $(CURDIR)/docs/benchmarks_discussion.md
	$(MAKE) --no-print-directory evaluate-nested

# The card's settings chosen nested (training/nested_selection.py): every variant run as the
# plugin default on the block draws and the outside scoring's random points, K=5, each
# scene group scored by the variant chosen on the others (~2.5 h on 2 cores: 26 variants)
# -> docs/nested_selection.md
evaluate-nested: install
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate --jobs $$(nproc) \
	    --fold-models $(CURDIR)/resources/models/loso --shots 5 --styles points,polygons,random \
	    --methods metamapper_propagation,random_forest,svm_rbf,knn,logistic_regression \
	    --variants all --no-supervised --out $(CURDIR)/build/nested
	cp build/nested/nested_selection.md docs/nested_selection.md
	$(MAKE) evaluate-suggestions

# Outside check scenes (training/outside_scenes.py): never trained on, never chosen on; the
# shipped model and every card variant against the baselines under the outside scoring's
# protocol (5 random labelled pixels per class, 20 draws, ~3 min) -> build/outside/
evaluate-outside: install
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate --jobs $$(nproc) \
	    --scenes statlog_landsat_mss,statlog_landsat_mss_shuffled --shots 5 --styles random --draws 20 \
	    --variants all --no-supervised --out $(CURDIR)/build/outside

# Issue 33's bar on the shared scenes: the shipped card against card 1.0.0 (commit 7fc511f's
# model and leave-one-scene-out models, read from git) per scene group, paired on the same
# draws, K=5, points, polygons and random points (~6 min) -> build/vs-1.0.0/paired.md
CARD100_COMMIT := 7fc511f
VS100 := build/vs-1.0.0
VS100_ARGS := --jobs $$(nproc) --shots 5 --styles points,polygons,random --no-supervised
evaluate-vs-1.0.0: install
	mkdir -p $(VS100)/card-1.0.0
	git archive $(CARD100_COMMIT) resources/models | tar -x -C $(VS100)/card-1.0.0 --strip-components=2
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate $(VS100_ARGS) \
	    --model $(CURDIR)/$(VS100)/card-1.0.0/metamapper-v1.pt \
	    --fold-models $(CURDIR)/$(VS100)/card-1.0.0/loso --methods metamapper_propagation \
	    --out $(CURDIR)/$(VS100)/card-1.0.0/run
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate $(VS100_ARGS) \
	    --fold-models $(CURDIR)/resources/models/loso --methods metamapper_propagation \
	    --paired-with "$(CURDIR)/$(VS100)/card-1.0.0/run/benchmarks-records.jsonl:card 1.0.0" \
	    --out $(CURDIR)/$(VS100)

# The band correction's prior scale and L2, chosen leave-one-scene-out (~2 min):
# docs/adaptation_tuning.md; train.py's BAND_CORRECTION carries the choice into the card.
tune-adaptation: install
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.metatrain.tune_adaptation --jobs $$(nproc) \
	    --out $(CURDIR)/docs/adaptation_tuning.md
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.metatrain.tune_adaptation --jobs $$(nproc) \
	    --k 1 --min-shots 1 --out $(CURDIR)/docs/adaptation_tuning_k1.md

# Leave-one-scene-out models with the plugin's propagation: ~25 min + ~20 min on 2 cores.
evaluate-suggestions: install
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate_suggestions --draws 5 \
	    --jobs $$(nproc)
	cd $(PKG) && $(CURDIR)/$(PY) -m metamapper.training.evaluate_suggestions --variants --seed 1 \
	    --draws 4 --jobs $$(nproc)

screenshots: install
	bash scripts/screenshot_workflow.sh

clean:
	rm -rf build dist .pytest_cache .ruff_cache .mypy_cache
