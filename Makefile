# govmatrix: `make dev` runs the whole system, `make test` proves it. Each target installs
# what it needs first (ops/setup.sh), so both work on a fresh Debian machine.
SHELL := /bin/bash
BIN := .venv/bin
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: dev test test-pg test-midnight lint fuzz bench setup clean

setup:
	@ops/setup.sh

dev: setup
	@ops/dev.sh

test:
	@ops/setup.sh test
	@APP_REDIS_URL=$(TEST_REDIS_URL) ops/redis.sh start
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-pg:
	@ops/setup.sh test pg
	@APP_REDIS_URL=$(TEST_REDIS_URL) ops/redis.sh start
	@url=$$(ops/postgres.sh) && name=$${url##*/} && \
	  trap "ops/postgres.sh drop $$name" EXIT && \
	  TEST_DATABASE_URL=$$url $(BIN)/pytest -q $(PYTEST_ARGS)

# schemathesis over the whole OpenAPI document, as an administrator and anonymously, on a stack
# of its own (var/fuzz/, the suite's Redis number). FUZZ_ARGS="--max-examples 100" digs deeper.
fuzz:
	@ops/setup.sh test
	@APP_REDIS_URL=$(TEST_REDIS_URL) ops/redis.sh start
	$(BIN)/python -m ops.fuzz $(FUZZ_ARGS)
# The tests whose meaning depends on the date (marked `dates`), with the clock set to 23:59
# in Asia/Shanghai: the demo county is seeded before midnight and the tests run across it.
test-midnight:
	@ops/setup.sh test
	@APP_REDIS_URL=$(TEST_REDIS_URL) ops/redis.sh start
	MIDNIGHT_AT=23:59 ops/midnight.sh $(BIN)/pytest -q -m dates $(PYTEST_ARGS)

lint:
	@ops/setup.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m ops.import_cycles

bench:
	@ops/setup.sh test
	@ops/redis.sh start
	$(BIN)/python -m ops.bench

clean:
	rm -rf var/test
