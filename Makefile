# The front door. `make` sets up, regenerates the student notebooks (only files that change) and
# grades the demo class into out/ (ignored): on a fresh clone `git status` stays clean.
# `make figures` re-runs the solutions and rewrites only figures whose picture changed.
PY      := .venv/bin/python
SETUP   := .venv/.installed
PIP     := $(PY) -m pip install -q
# pip byte-compiles what it installs on one core (40 s of setup); compileall does it on every core,
# skipping as pip does the files that do not compile (torch ships some for Python 3.12 only).
COMPILE := $(PY) -c "import compileall, sysconfig; compileall.compile_dir(sysconfig.get_path('purelib'), quiet=2, workers=0)"
JOBS    ?=
SUBMISSIONS ?= out/demo/submissions
OUT     ?= out/grades

.PHONY: all setup figures release check-release demo grade test bench clean
all: release demo

setup: $(SETUP)
$(SETUP): requirements.txt pyproject.toml
	python3 -m venv .venv && $(PIP) --no-compile -r requirements.txt && $(PIP) --no-deps -e . && $(COMPILE) && touch $(SETUP)

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
	$(PY) -m pytest -q -n 3 --dist loadfile --no-loadscope-reorder

bench: $(SETUP)
	$(PY) -m autograder.bench

clean:
	rm -rf out
