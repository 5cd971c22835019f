#!/usr/bin/env bash
# make lint: the alert rules load and their unit tests pass (promtool), and every metric the rules and the
# dashboards read is one the code defines. promtool comes from Debian's `prometheus` package, installed here
# when missing; without it (no root, no apt) the check fails rather than being skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v promtool >/dev/null; then
	echo "promtool not found: installing Debian's prometheus package" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
promtool check rules deploy/observability/prometheus/rules.yml
(cd deploy/observability/prometheus && promtool test rules rules_test.yml)
uv run --frozen pytest -q -p no:cacheprovider libs/kit/tests/test_observability.py
