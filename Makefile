# The front door. `make` sets up, regenerates figures and student notebooks, grades the demo class.
PY      := .venv/bin/python
SETUP   := .venv/.installed
JOBS    ?=
SUBMISSIONS ?= out/demo/submissions
OUT     ?= out/grades

.PHONY: all setup figures release check-release demo grade test bench clean
all: figures release demo

setup: $(SETUP)
$(SETUP): requirements.txt
	python3 -m venv .venv && $(PY) -m pip install -q -r requirements.txt && touch $(SETUP)

figures: $(SETUP)
	$(PY) -m autograder figures

release: $(SETUP)
	$(PY) -m autograder release

check-release: $(SETUP)
	$(PY) -m autograder check-release

demo: $(SETUP)
	$(PY) -m autograder demo --out out/demo

grade: $(SETUP)
	$(PY) -m autograder grade $(SUBMISSIONS) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

test: $(SETUP)
	$(PY) -m pytest -q tests

bench: $(SETUP)
	$(PY) -m autograder.bench

clean:
	rm -rf out
