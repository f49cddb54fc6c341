# Two commands matter on a fresh machine:  make demo  and  make test
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: demo test check install system-deps lint format bench clean

$(UV):
	@python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(UV) run opencustoms demo $(DEMO_ARGS)

test: install system-deps
	@set -euo pipefail; \
	url="$$(bash scripts/test-postgres.sh)"; \
	echo "tests use PostgreSQL at $$url"; \
	OPENCUSTOMS_TEST_POSTGRES_URL="$$url" $(UV) run pytest $(PYTEST_ARGS)

check: install
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks
	$(UV) run mypy

format: install
	$(UV) run ruff format src tests benchmarks
	$(UV) run ruff check --fix src tests benchmarks

bench: install
	for b in benchmarks/bench_*.py; do $(UV) run python $$b; done

clean:
	rm -rf var/*.sqlite* var/reports .pytest_cache
