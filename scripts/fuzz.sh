#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (cargo-fuzz layout) for SECONDS each and prints the executions
# per target:
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 seconds, every target)
#
# - installs cargo-fuzz when it is missing (idempotent, like scripts/install.sh);
# - builds on stable Rust: RUSTC_BOOTSTRAP=1 and no sanitizer (`-s none`), release with debug
#   assertions and overflow checks (cargo-fuzz's default);
# - fills fuzz/corpus/TARGET (kept between runs, not committed) from fuzz/seeds/TARGET, from the
#   project's own rules, events and test files, and from generated hostile seeds (deep nesting,
#   long literals, many documents);
# - a crash, a timeout (>10 s on one input) or more than 2 GB of memory fails the target; libFuzzer
#   saves the input in fuzz/artifacts/TARGET/. Logs are in fuzz/logs/.
#
# Environment:
#   FUZZ_KEEP_GOING=1  long runs: after a crash, timeout or OOM (saved in fuzz/artifacts/TARGET/),
#                      start the target again for the time left
#   FUZZ_OPTIONAL=1    exit 0 with a message when cargo-fuzz cannot be installed (CI's smoke)
#   FUZZ_SEED=N        libFuzzer's -seed: with the same seeded corpus, a run explores the same
#                      inputs in the same order, so a short run (CI's smoke) tries a prefix of
#                      what a longer local run with the same seed already passed
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET=${1:-60}
shift || true
ALL_TARGETS=(rule_text condition events share_link rule_test_file pipeline correlation)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

say() { echo "fuzz: $*"; }

if ! cargo fuzz --version 2>/dev/null | grep -q " ${CARGO_FUZZ_VERSION}\$"; then
    say "installing cargo-fuzz ${CARGO_FUZZ_VERSION} (a few minutes)"
    if ! cargo install --quiet --locked "cargo-fuzz@${CARGO_FUZZ_VERSION}"; then
        if [ "${FUZZ_OPTIONAL:-0}" = 1 ]; then
            say "SKIPPED: cargo-fuzz ${CARGO_FUZZ_VERSION} cannot be installed here (see the cargo output above); no target was fuzzed"
            exit 0
        fi
        say "cargo-fuzz ${CARGO_FUZZ_VERSION} cannot be installed" >&2
        exit 1
    fi
fi

# Repeats TEXT COUNT times.
repeat() { local out="" i; for ((i = 0; i < $2; i++)); do out+="$1"; done; printf '%s' "$out"; }

# A one-selection rule whose condition is CONDITION.
rule_with_condition() {
    printf 'title: generated\nlogsource: {product: windows}\ndetection:\n    sel1: {a: x}\n    condition: %s\n' "$1"
}

# Seeds that only the project's own files or a loop can make.
seed_corpus() {
    local target=$1 dir=fuzz/corpus/$1 f
    mkdir -p "$dir"
    cp -n fuzz/seeds/"$target"/* "$dir"/ 2>/dev/null || true
    case $target in
    rule_text)
        find tests/cli crates/engine/tests/data -name '*.yml' | while read -r f; do
            cp "$f" "$dir/project-$(echo "$f" | tr / -)"
        done
        rule_with_condition "$(repeat '(' 200)sel1$(repeat ')' 200)" > "$dir/gen-deep-parens.yml"
        rule_with_condition "$(repeat 'not ' 200)sel1" > "$dir/gen-deep-not.yml"
        printf 'title: long\nlogsource: {product: windows}\ndetection:\n    sel:\n        CommandLine|contains: %s\n    condition: sel\n' \
            "$(repeat A 1000)" > "$dir/gen-long-literal.yml"
        repeat $'title: doc\nlogsource: {product: windows}\ndetection:\n    sel: {Image|endswith: x.exe}\n    condition: sel\n---\n' 100 \
            > "$dir/gen-many-documents.yml"
        { printf 'title: values\nlogsource: {product: windows}\ndetection:\n    sel:\n        CommandLine|contains:\n'
          for ((f = 0; f < 200; f++)); do printf "            - 'v%d*x?'\n" "$f"; done
          printf '    condition: sel\n'; } > "$dir/gen-many-values.yml"
        ;;
    condition)
        grep -rh '^ *condition: ' tests/cli crates/engine/tests/data --include='*.yml' \
            | sed 's/^ *condition: //' | sort -u | while read -r f; do
            printf '%s' "$f" > "$dir/project-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
        done
        printf '%s' "$(repeat '(' 200)sel1$(repeat ')' 200)" > "$dir/gen-deep-parens"
        printf '%s' "$(repeat '(' 200)sel1" > "$dir/gen-unclosed-parens"
        printf '%s' "$(repeat 'not ' 200)sel1" > "$dir/gen-deep-not"
        printf '%s' "$(repeat 'sel1 and ' 500)sel2" > "$dir/gen-long-chain"
        ;;
    events)
        for f in tests/cli/events/*; do
            { printf '\0'; cat "$f"; } > "$dir/project-$(basename "$f")"
        done
        { printf '\0'; for ((f = 0; f < 2000; f++)); do printf '{"EventID": 1, "n": %d}\n' "$f"; done; } \
            > "$dir/gen-many-lines.jsonl"
        { printf '\0'; repeat '[' 100; repeat ']' 100; } > "$dir/gen-deep-array.json"
        { printf '\0'; repeat '<a>' 60; repeat '</a>' 60; } > "$dir/gen-deep.xml"
        { printf '\1'; repeat 'cmd /c ' 5000; } > "$dir/gen-long-value"
        ;;
    share_link)
        for f in tests/cli/tests/*.json; do
            { printf '\1'; cat "$f"; } > "$dir/project-$(basename "$f")"
        done
        ;;
    rule_test_file)
        cp tests/cli/tests/*.json "$dir"/
        ;;
    pipeline)
        for f in crates/engine/pipelines/*.yml tests/cli/pipelines/*.yml; do
            cp "$f" "$dir/project-$(echo "$f" | tr / -)"
        done
        { printf 'name: many\ntransformations:\n'
          for ((f = 0; f < 300; f++)); do printf '  - type: field_name_mapping\n    mapping: {F%d: G%d}\n' "$f" "$f"; done; } \
            > "$dir/gen-many-items.yml"
        ;;
    correlation)
        # The correlation documents of the project's texts (the target puts two base rules first).
        for f in tests/cli/correlations/*.yml web/lessons/*/rule.yml; do
            awk 'BEGIN{RS="\n---\n"} /correlation:|filter:/ {print; print "---"}' "$f" \
                > "$dir/project-$(echo "$f" | tr / -)"
        done
        printf 'title: chain\ncorrelation:\n    type: event_count\n    rules: [failed]\n    group-by: [TargetUserName]\n    timespan: 1m\n    condition: {gte: 2}\n' \
            > "$dir/gen-event-count.yml"
        ;;
    esac
}

dict_of() {
    case $1 in
    rule_text | condition) echo "-dict=fuzz/dict/sigma.dict" ;;
    events) echo "-dict=fuzz/dict/events.dict" ;;
    esac
}

mkdir -p fuzz/logs
say "building the fuzz targets (log: fuzz/logs/build.log)"
if ! cargo fuzz build -s none > fuzz/logs/build.log 2>&1; then
    tail -30 fuzz/logs/build.log >&2
    say "the build failed" >&2
    exit 1
fi

declare -A EXECS RESULT
failed=0
for target in "${TARGETS[@]}"; do
    seed_corpus "$target"
    log=fuzz/logs/$target.log
    mkdir -p "fuzz/artifacts/$target"
    touch "fuzz/logs/$target.start"
    args=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 $(dict_of "$target"))
    [ -z "${FUZZ_SEED:-}" ] || args+=(-seed="$FUZZ_SEED")
    say "$target: ${SECONDS_PER_TARGET}s (log: $log)"
    : > "$log"
    status=0 deadline=$((SECONDS + SECONDS_PER_TARGET))
    # With FUZZ_KEEP_GOING, a run that found something is started again for the time left (the
    # corpus keeps what it learnt). The outer timeout guards against a libFuzzer that hangs in its
    # own alarm handler (without a sanitizer its malloc is not async-signal-safe).
    while :; do
        left=$((deadline - SECONDS))
        [ "$left" -gt 0 ] || break
        run_status=0
        timeout -k 10 $((left + 120)) cargo fuzz run -s none "$target" "fuzz/corpus/$target" -- \
            -max_total_time="$left" "${args[@]}" >> "$log" 2>&1 || run_status=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ s += $1 } END { print s + 0 }')
        [ "$run_status" = 0 ] && break
        status=$run_status
        # A corpus input that crashed (saved as crash-/timeout-/oom-<sha1>) would stop every
        # restart at the same place: it leaves the corpus, its copy stays in fuzz/artifacts/.
        for found_input in $(find "fuzz/artifacts/$target" -type f -newer "fuzz/logs/$target.start"); do
            rm -f "fuzz/corpus/$target/$(basename "$found_input" | sed 's/^[a-z-]*-//')"
        done
        [ "${FUZZ_KEEP_GOING:-0}" = 1 ] || break
    done
    EXECS[$target]=$execs
    found=$(find "fuzz/artifacts/$target" -type f -newer "fuzz/logs/$target.start" | wc -l)
    if [ "$status" = 0 ] && [ "$found" = 0 ]; then
        RESULT[$target]="ok"
    else
        RESULT[$target]="FAILED (exit $status, $found new input(s) in fuzz/artifacts/$target/)"
        failed=1
        grep -m3 -E '^(thread .* panicked|==[0-9]+== ERROR|SUMMARY)' "$log" | sed 's/^/      /' || true
    fi
done

echo
printf '%-16s %10s %14s %10s  %s\n' target seconds executions exec/s result
for target in "${TARGETS[@]}"; do
    printf '%-16s %10s %14s %10s  %s\n' "$target" "$SECONDS_PER_TARGET" "${EXECS[$target]}" \
        "$((${EXECS[$target]} / (SECONDS_PER_TARGET > 0 ? SECONDS_PER_TARGET : 1)))" "${RESULT[$target]}"
done
exit "$failed"
