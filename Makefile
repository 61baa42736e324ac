# Two commands for a fresh machine: `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DRUMKITS := /usr/share/hydrogen/data/drumkits
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv install test demo bench proto clean drumkits train-drums

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -c "from heihachi_index.pipeline.ingest import compile_preloaded; compile_preloaded()"
	touch $(STAMP)

venv install: $(STAMP)

# Labelled real drum recordings for the drum classifier's tests and evaluation: Debian's hydrogen-drumkits,
# and a small General MIDI SoundFont with FluidSynth to render it (the training script also uses the larger
# fluid-soundfont-gm and musescore-general-soundfont when installed).
DRUM_PACKAGES := hydrogen-drumkits fluidsynth timgm6mb-soundfont
drumkits:
	@[ -d "$(DRUMKITS)" ] && command -v fluidsynth >/dev/null && [ -f /usr/share/sounds/sf2/TimGM6mb.sf2 ] || { \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  --no-install-recommends $(DRUM_PACKAGES) >/dev/null; }

# Retrain the shipped drum classifier as it was made: the drum sounds of TRAIN_PACKAGES (the same list as
# heihachi_index.analysis.drums.train.TRAINING_PACKAGES), and the package versions its weights record
# (training-constraints.txt), in a virtual environment of its own so that .venv keeps its versions. Writes the
# shipped weights unless TRAIN_ARGS says otherwise (`make train-drums TRAIN_ARGS="--out new.npz"`); ~50 min.
TRAIN_VENV := .venv-train
TRAIN_CONSTRAINTS := heihachi_index/analysis/drums/training-constraints.txt
TRAIN_PACKAGES := hydrogen-drumkits hydrogen-data lmms-common sonic-pi-samples exadrums freepats fluidsynth \
  fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont csound-soundfont avldrums.lv2-soundfont
TRAIN_ARGS ?=
train-drums:
	@[ "$$(dpkg-query -W -f='$${db:Status-Abbrev}\n' $(TRAIN_PACKAGES) 2>/dev/null | grep -c '^ii')" = \
	  "$(words $(TRAIN_PACKAGES))" ] || { $(SUDO) apt-get update -qq && $(SUDO) env \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TRAIN_PACKAGES) >/dev/null; }
	[ -x $(TRAIN_VENV)/bin/python ] || $(PY) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install -q -c $(TRAIN_CONSTRAINTS) -e .
	$(TRAIN_VENV)/bin/heihachi-index train-drums $(TRAIN_ARGS)

test: $(STAMP) drumkits
	$(BIN)/python -m pytest -q tests

demo: $(STAMP)
	$(BIN)/python -m heihachi_index.demo

# Regenerate heihachi_index/rpc/heihachi/v1/ from proto/ (tests/test_proto_generated.py checks it is current).
proto: $(STAMP)
	$(BIN)/python -m heihachi_index.rpc.codegen

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_features.py

clean:
	rm -rf $(VENV) $(TRAIN_VENV) heihachi-data demo-corpus
