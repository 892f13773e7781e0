#!/bin/sh
# Fuzz the netlink parsers and the sync model with libFuzzer + ASan.
#   tests/fuzz/run.sh [seconds]      (default 20)
# Prints "fuzz: N passed, N failed[, N skipped]" like the test tiers.
set -u
cd "$(dirname "$0")/../.." || exit 1
SECS=${1:-20}
BUILD=${BUILD:-build}
OUT=$BUILD/tests/fuzz
CLANG=${CLANG:-clang}
mkdir -p "$OUT/corpus"

# A minimal program tells whether clang has the libFuzzer runtime.
probe=$OUT/probe.c
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}\n' > "$probe"
if ! $CLANG -fsanitize=fuzzer "$probe" -o "$OUT/probe" 2>/dev/null; then
	echo "fuzz: skipped: $CLANG has no libFuzzer runtime (Debian: libclang-rt-14-dev)"
	echo "fuzz: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# shellcheck disable=SC2046 # pkg-config prints several flags
if ! $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser \
	tests/fuzz/fuzz_netlink.c user/netlink.c user/sync.c user/log.c \
	user/conf.c -o "$OUT/fuzz_netlink" \
	$(pkg-config --cflags --libs libmnl libbpf libxdp inih 2>/dev/null || echo -lmnl -lbpf -lxdp -linih); then
	echo "fuzz: build failed"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# Seed corpus: well-formed kernel messages (tests/fuzz/seeds.c).
# shellcheck disable=SC2046 # pkg-config prints several flags
if $CLANG -O1 -Iinclude -Iuser tests/fuzz/seeds.c -o "$OUT/seeds" \
	$(pkg-config --cflags --libs libmnl 2>/dev/null || echo -lmnl); then
	"$OUT/seeds" "$OUT/corpus"
fi

echo "fuzz: running fuzz_netlink for $SECS s"
if "$OUT/fuzz_netlink" -max_total_time="$SECS" -max_len=4096 \
	-print_final_stats=1 -artifact_prefix="$OUT/" "$OUT/corpus" > "$OUT/fuzz.log" 2>&1; then
	grep -E 'stat::number_of_executed_units|stat::new_units_added' "$OUT/fuzz.log"
	echo "fuzz: 1 passed, 0 failed"
	exit 0
fi
tail -n 40 "$OUT/fuzz.log"
echo "fuzz: 0 passed, 1 failed (crash input in $OUT, log $OUT/fuzz.log)"
exit 1
