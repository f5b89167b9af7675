# Two commands for a newcomer: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint format messages clean

# (Re)install when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	bin/demo

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the message catalogue after changing user-facing strings, then translate
# the new entries in locale/zh_Hans/LC_MESSAGES/django.po and run it again.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --locale zh_Hans --ignore '.venv/*' --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf .demo staticfiles .pytest_cache .mypy_cache .ruff_cache
