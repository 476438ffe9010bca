# Shared by scripts/fuzz-decoder and scripts/fuzz-requests (sourced, not run): builds a
# libFuzzer harness against SwiftPM targets compiled with ASan, and runs it for a bounded time.
#
# SwiftPM executables do not link with -sanitize=fuzzer (it renames main), so each target is
# built as a library with the sanitizers and the harness is linked against its objects.

scratch=.build-fuzz

# build_harness OUT HARNESS.swift "TARGET ..." [EXTRA LINK FLAGS ...]
build_harness() {
    local out=$1 harness=$2 targets=$3
    shift 3
    local objects=()
    for target in $targets; do
        swift build --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address --target "$target" >/dev/null
        objects+=("$scratch"/debug/"$target".build/*.o)
    done
    # The C modules the Swift modules import: system libraries' maps, and CLinux's own.
    local maps=()
    for map in Sources/C*/module.modulemap "$scratch"/debug/CLinux.build/module.modulemap; do
        [ -f "$map" ] && maps+=(-Xcc "-fmodule-map-file=$map")
    done
    local includes=()
    for flag in $(pkg-config --cflags-only-I libpq openssl sqlite3 libnghttp2); do includes+=(-Xcc "$flag"); done
    swiftc -sanitize=fuzzer,address -use-ld=lld -parse-as-library -g \
        -I "$scratch/debug/Modules" -Xcc -I -Xcc Sources/CLinux/include "${maps[@]}" "${includes[@]}" \
        "$harness" "${objects[@]}" "$@" -o "$out"
}

# run_harness NAME BINARY SECONDS CORPUS [LIBFUZZER OPTIONS ...]: fails on any finding.
run_harness() {
    local name=$1 binary=$2 seconds=$3 corpus=$4
    shift 4
    mkdir -p "$corpus" scripts/fuzz/artifacts
    echo "fuzzing the $name for ${seconds}s"
    local log=$scratch/$name-fuzz.log status=0
    SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -use_value_profile=1 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=scripts/fuzz/artifacts/ "$@" "$corpus" >"$log" 2>&1 || status=$?
    grep -E "^(#[0-9]+ *DONE|Done|stat::|==[0-9]+==|SUMMARY)" "$log" || tail -n 20 "$log"
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        echo "the fuzzer found a problem in the $name (exit $status); see scripts/fuzz/artifacts/" >&2
        exit "$status"
    fi
    echo "fuzzing the $name found nothing in ${seconds}s"
}
