#!/usr/bin/env bash
# `learn` at scale: bash benches/learn.sh [CUSTOMERS] (default 100000).
#
# Builds the release binary, fits a model on the embedded synthetic data, generates a
# causal store of CUSTOMERS customers (seed 1), draws an exploring campaign on it, draws
# its outcomes from the store's answers, then runs `oneclick learn` under /usr/bin/time and
# prints its wall-clock seconds and peak resident memory. Asserts nothing: the goal
# (100 000 customers in ≤ 60 s and ≤ 2 GiB) is read off the output.
set -euo pipefail
n="${1:-100000}"
cd "$(dirname "$0")/.."
cargo build --release --locked --bin oneclick >&2
bin="$PWD/target/release/oneclick"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" study --save-model "$work/model.json" --out "$work/study" >/dev/null
"$bin" synth --causal --customers "$n" --seed 1 --out "$work/store" --answers "$work/answers.csv" >/dev/null
"$bin" campaign --model "$work/model.json" --data "$work/store" --out "$work/campaign.csv" \
  --set launch.campaign.design=explore --set launch.campaign.max_draws=20 >/dev/null
"$bin" synth --outcomes-for "$work/campaign.csv" --answers "$work/answers.csv" --out "$work/outcomes.csv" >/dev/null
/usr/bin/time -f "learn: %e s wall, peak %M KiB" "$bin" learn --model "$work/model.json" \
  --data "$work/store" --campaign "$work/campaign.csv" --outcomes "$work/outcomes.csv" \
  --out "$work/learned" | tail -3
