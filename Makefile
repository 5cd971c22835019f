.DEFAULT_GOAL := help
SHELL := /bin/bash
UV ?= uv
PYTEST_WORKERS ?= 2
# The checks of the code's shape and of the fleet table that need no database or broker (run by `make lint`).
SHAPE_TESTS = libs/kit/tests/test_fleet*.py libs/kit/tests/test_shape*.py libs/kit/tests/test_dockerfiles.py \
	libs/kit/tests/test_static_checks.py

.PHONY: help install infra run test unit gateway-compiled e2e chaos lint fmt generate migrate contracts bench clean k8s-check images

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-11s %s\n", $$1, $$2}'

install: ## install Python deps (uv, one lock for the workspace)
	@command -v $(UV) >/dev/null || pip install --quiet uv
	@$(UV) sync --frozen --quiet

infra: ## make sure PostgreSQL, RabbitMQ and Redis are up (start what is down)
	@deploy/local/ensure-infra.sh

run: install infra ## start the whole fleet (databases, migrations, services); Ctrl-C stops it
	@$(UV) run --frozen python deploy/local/fleet.py

demo: ## one item through a running `make run`: photos, AI, listed everywhere, sold once, delisted elsewhere
	@$(UV) run --frozen python deploy/local/demo.py $(DEMO_ARGS)

test: install infra ## the whole suite: contracts drift, unit + integration, end-to-end
	@$(UV) run --frozen python -m vitrine_contracts.schema --check
	@$(UV) run --frozen pytest -n $(PYTEST_WORKERS) -q
	@$(MAKE) --no-print-directory gateway-compiled
	@$(UV) run --frozen pytest tests-e2e -q

unit: install infra ## unit + integration tests only
	@$(UV) run --frozen pytest -n $(PYTEST_WORKERS) -q
	@$(MAKE) --no-print-directory gateway-compiled

gateway-compiled: install ## the gateway's tests again, on the build its image runs (mypyc: gateway/compile.py)
	@$(UV) run --frozen python gateway/compile.py .build/gateway-compiled
	@GATEWAY_EXPECT_COMPILED=1 PYTHONPATH=.build/gateway-compiled \
		$(UV) run --frozen pytest gateway/tests -n $(PYTEST_WORKERS) -q -p no:cacheprovider

e2e: install infra ## end-to-end tests: one fleet started for them, driven through the gateway
	@$(UV) run --frozen pytest tests-e2e -q

chaos: install ## drills (broker, PostgreSQL, kill -9) and API fuzzing on servers of their own (ports +300)
	@$(UV) run --frozen pytest tests-drills -s -q -p no:cacheprovider --timeout=1500 --durations=0

lint: install ## ruff, generated files vs deploy/fleet.toml, mypy (strict, one list), shape lints
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen python deploy/generate.py --check
	@$(UV) run --frozen python contracts/openapi/build.py --check
	@$(UV) run --frozen mypy
	@$(UV) run --frozen python deploy/lint_shape.py
	@$(UV) run --frozen pytest -q $(SHAPE_TESTS)
	@deploy/observability/check.sh
	@$(MAKE) --no-print-directory k8s-check

# Kubernetes' schemas from PyPI, pinned (kubectl, for its kustomize, too: see deploy/checks/manifests.py).
KUBERNETES_VALIDATE = kubernetes-validate==1.37.0

k8s-check: install ## render every deploy/k8s overlay, validate it offline, check it against the table and code
	@$(UV) run --frozen --with $(KUBERNETES_VALIDATE) python deploy/checks/manifests.py
	@$(UV) run --frozen python deploy/checks/manifests.py --budget
	@$(UV) run --frozen pytest -q libs/kit/tests/test_k8s.py libs/kit/tests/test_k8s_shards.py

# Images are tagged with the version; lowercase, it also names the release's migration Jobs (deploy/k8s).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null | tr '[:upper:]' '[:lower:]')

images: install ## build every image (one shared dependency stage), tagged $(VERSION); prints the commands without Docker
	@engine=yes; docker info >/dev/null 2>&1 || engine=no; \
	$(UV) run --frozen python deploy/generate.py --images | while read -r dockerfile image; do \
		cmd="docker build -f $$dockerfile -t $$image:$(VERSION) --label org.opencontainers.image.version=$(VERSION) ."; \
		echo "$$cmd"; \
		if [ $$engine = yes ]; then $$cmd || exit 1; fi; \
	done; \
	if [ $$engine = no ]; then echo "No Docker engine here: nothing built. These are the commands, tag $(VERSION)."; fi

fmt: install ## format and fix what ruff can
	@$(UV) run --frozen ruff check --fix .
	@$(UV) run --frozen ruff format .

generate: install ## write the Dockerfiles, docker-compose.yml and deploy/k8s/base from deploy/fleet.toml
	@$(UV) run --frozen python deploy/generate.py

migrate: install infra ## create and migrate every service database (shared, then every tenant schema)
	@$(UV) run --frozen python deploy/local/fleet.py --migrate-only

contracts: install ## regenerate contracts/schemas from the Pydantic models
	@$(UV) run --frozen python -m vitrine_contracts.schema

bench: install infra ## run the benchmarks (each prints a table; installs wrk and nginx when apt-get can)
	@command -v wrk >/dev/null && { command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || \
		{ command -v apt-get >/dev/null && apt-get install -y -q wrk nginx >/dev/null; } || \
		echo "wrk and nginx are needed by bench/gateway: install them with your package manager"
	@for b in bench/*/run.py; do echo "== $$b"; $(UV) run --frozen python $$b || exit 1; done

clean: ## remove caches and local run logs
	@rm -rf .run .build .pytest_cache .ruff_cache .mypy_cache
