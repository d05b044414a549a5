#!/usr/bin/env bash
# Short fuzzing run (tests/fuzz/README.md): configures a separate clang build with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer on all code, builds the two fuzz targets, and
# runs both at once for TANDEM_FUZZ_SECONDS (default 20) each on a temporary copy of the seed
# corpora, so the repository is never modified.
#   exit 0   no crash, hang, leak or sanitizer report
#   exit 1   a finding (the reproducer is kept and its path printed) or a build failure
#   exit 77  skipped: clang++ or the libFuzzer runtime (libclang-rt-14-dev) is missing
# Environment: TANDEM_FUZZ_BUILD (build directory, default build/fuzz-build in the repository),
# TANDEM_FUZZ_SECONDS, TANDEM_FUZZ_SEED (default 1), TANDEM_FUZZ_RUNS (default 15000), TANDEM_FUZZ_JOBS (build jobs, default 2), TANDEM_CMAKE (cmake to use),
# TANDEM_CLANGXX (clang++ to use).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${TANDEM_FUZZ_BUILD:-$root/build/fuzz-build}
seconds=${TANDEM_FUZZ_SECONDS:-20}
jobs=${TANDEM_FUZZ_JOBS:-2}
cmake=${TANDEM_CMAKE:-cmake}
targets=(fuzz_flow_loader fuzz_conditions)

skip() {
  echo "fuzz: SKIPPED: $*"
  echo "fuzz: install Debian's clang and libclang-rt-14-dev to run the fuzzers"
  exit 77
}

clangxx=${TANDEM_CLANGXX:-$(command -v clang++ || true)}
[[ -n $clangxx && -x $clangxx ]] || skip "clang++ not found"
runtime_dir=$("$clangxx" --print-runtime-dir 2>/dev/null || true)
fuzzer_rt=""
for candidate in "$runtime_dir/libclang_rt.fuzzer-x86_64.a" "$runtime_dir/libclang_rt.fuzzer.a" \
                 /usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a; do
  if [[ -f $candidate ]]; then fuzzer_rt=$candidate; break; fi
done
[[ -n $fuzzer_rt ]] || skip "the libFuzzer runtime (libclang_rt.fuzzer-x86_64.a) was not found"

started=$SECONDS
echo "fuzz: clang: $("$clangxx" --version | head -1)"
echo "fuzz: runtime: $fuzzer_rt"
echo "fuzz: build directory: $build"

mkdir -p "$build"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# -O1 with line tables (quicker to build, exact stacks) and without NDEBUG, so assertions run too.
if ! "$cmake" -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS="$flags" \
     -DTANDEM_FUZZ=ON -DTANDEM_BROWSER_TESTS=OFF >"$build/fuzz-configure.log" 2>&1; then
  cat "$build/fuzz-configure.log"
  echo "fuzz: FAILED: configuring the fuzz build"
  exit 1
fi
if ! "$cmake" --build "$build" --target "${targets[@]}" -j"$jobs" >"$build/fuzz-build.log" 2>&1; then
  tail -n 60 "$build/fuzz-build.log"
  if grep -qiE "no rule to make target|unknown target" "$build/fuzz-build.log"; then
    echo "fuzz: the fuzz targets are not defined: tests/CMakeLists.txt needs add_subdirectory(fuzz)"
  fi
  echo "fuzz: FAILED: building the fuzz targets"
  exit 1
fi
echo "fuzz: configured and built in $((SECONDS - started)) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-fuzz.XXXXXX")
keep=0
cleanup() { [[ $keep -eq 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/flow_loader" "$work/conditions" "$work/artifacts"
cp "$root"/dialogs/*.json "$work/flow_loader/"
cp "$here"/corpus/conditions/* "$work/conditions/"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
# A fixed seed and run count make the short run repeatable, so CI judges the same inputs every
# time; longer runs (README.md) drop both to explore.
common=(-seed="${TANDEM_FUZZ_SEED:-1}" -runs="${TANDEM_FUZZ_RUNS:-15000}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$here/json.dict"
        -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
# libFuzzer's own crash exit code is 77, which CTest would read as "skipped": -error_exitcode=1.
"$build/tests/fuzz/fuzz_flow_loader" "${common[@]}" -max_len=65536 "$work/flow_loader" \
  >"$work/flow_loader.log" 2>&1 &
loader=$!
"$build/tests/fuzz/fuzz_conditions" "${common[@]}" -max_len=4096 "$work/conditions" \
  >"$work/conditions.log" 2>&1 &
conditions=$!
status=0
wait $loader || status=1
wait $conditions || status=1

for name in flow_loader conditions; do
  log="$work/$name.log"
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
  corpus=$(ls "$work/$name" | wc -l)
  echo "fuzz: fuzz_$name: ${runs:-?} executions; ${done_line:-no final line}; corpus $corpus files"
done

if [[ $status -ne 0 ]] || ls "$work/artifacts" | grep -q .; then
  keep=1
  for name in flow_loader conditions; do
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|invariant violated|==[0-9]+== ?ERROR' "$work/$name.log"; then
      echo "----- fuzz_$name: finding -----"
      grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' "$work/$name.log" | tail -n 80
    fi
  done
  echo "fuzz: FAILED: reproducers in $work/artifacts:"
  ls -l "$work/artifacts"
  echo "fuzz: reproduce with: $build/tests/fuzz/fuzz_<target> <file>"
  exit 1
fi
echo "fuzz: OK: no findings in ${seconds} s per target ($((SECONDS - started)) s in all)"
