# Two commands matter on a fresh machine:  make demo  and  make test
SHELL := /bin/bash
# uv on PATH, else ~/.local/bin/uv, which the $(UV) rule installs (scripts/bootstrap-uv.sh).
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: demo test check install system-deps lint format bench clean

# Every test runs; xdist spreads them over the machine's cores (the suite is ~20 CPU-minutes).
PYTEST_ARGS ?= -n auto --durations=15

$(UV):
	@bash scripts/bootstrap-uv.sh >/dev/null

install: $(UV)
	$(UV) sync --frozen

system-deps:
	bash scripts/system-deps.sh

demo: install
	$(UV) run opencustoms hs index
	$(UV) run opencustoms demo $(DEMO_ARGS)

# pytest's exit status is make's: any failure, error or collection problem fails the target.
# The docstring examples under src/ run too (pyproject: --doctest-modules).
test: install system-deps
	@set -euo pipefail; \
	url="$$(bash scripts/test-postgres.sh)"; \
	echo "tests use PostgreSQL at $$url"; \
	OPENCUSTOMS_TEST_POSTGRES_URL="$$url" $(UV) run pytest $(PYTEST_ARGS)

check: install
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks
	$(UV) run mypy
	$(UV) run lint-imports

format: install
	$(UV) run ruff format src tests benchmarks
	$(UV) run ruff check --fix src tests benchmarks

bench: install
	bash scripts/system-deps.sh --bench
	for b in benchmarks/bench_*.py; do $(UV) run python $$b; done

clean:
	rm -rf var/*.sqlite* var/reports .pytest_cache
