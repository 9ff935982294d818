# The two commands of the README, and the checks an engineer runs before pushing.
.PHONY: run test setup lint format dbt-check dbt-ci bench bench-quick up down clean

VENV := .venv/bin

run: setup            ## set up everything and run the whole pipeline on a generated dataset
	$(VENV)/softcart run

test: setup-browser   ## set up everything and run lint + the whole test suite (what CI runs)
	$(MAKE) lint
	$(VENV)/pytest -q

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

lint:                 ## ruff, mypy, the import layers (sqlfluff needs the warehouse: tests/dbt runs it, see dbt-check)
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports --no-cache --no-logo

format:
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

dbt-check: setup      ## before pushing dbt changes: sqlfluff lint, Db2 compile + parse, dbt build on a throwaway database
	$(VENV)/pytest -q tests/dbt

dbt-ci: setup         ## validate a dbt change against production (`softcart run`'s last build): lint, build + test the changed models and their children in throwaway schemas, Db2 compile, data diff
	$(VENV)/softcart dbt-ci

up: setup
	$(VENV)/softcart up

down:
	$(VENV)/softcart down

bench: up             ## every benchmark, each figure beside its goal (an hour or more; by hand, not in CI)
	for b in bench/bench_*.py; do echo "== $$b"; $(VENV)/python $$b || exit 1; done

bench-quick: up       ## the same at a small scale (--quick where a bench has it): checks that they run
	for b in bench/bench_*.py; do echo "== $$b"; \
	  if grep -q -- '"--quick"' $$b; then $(VENV)/python $$b --quick || exit 1; \
	  else $(VENV)/python $$b || exit 1; fi; done

clean:
	-$(VENV)/softcart down --purge
	rm -rf .softcart
