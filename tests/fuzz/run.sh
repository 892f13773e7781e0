#!/bin/sh
# Fuzz the netlink parsers and the sync model, and the configuration
# parser, with libFuzzer + ASan/UBSan, each for the given time.
#   tests/fuzz/run.sh [seconds]      (default 20, per target)
# Prints "fuzz: N passed, N failed[, N skipped]" like the test tiers.
set -u
cd "$(dirname "$0")/../.." || exit 1
SECS=${1:-20}
BUILD=${BUILD:-build}
OUT=$BUILD/tests/fuzz
CLANG=${CLANG:-clang}
mkdir -p "$OUT/corpus" "$OUT/corpus_conf"

# A minimal program tells whether clang has the libFuzzer runtime.
probe=$OUT/probe.c
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}\n' > "$probe"
if ! $CLANG -fsanitize=fuzzer "$probe" -o "$OUT/probe" 2>/dev/null; then
	echo "fuzz: skipped: $CLANG has no libFuzzer runtime (Debian: libclang-rt-14-dev)"
	echo "fuzz: 0 passed, 0 failed, 2 skipped"
	exit 0
fi

LIBS=$(pkg-config --cflags --libs libmnl libbpf libxdp inih 2>/dev/null ||
	echo -lmnl -lbpf -lxdp -linih)
pass=0 fail=0

# build NAME SOURCES...: 0 when built
build() {
	name=$1
	shift
	# shellcheck disable=SC2086
	if ! $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser \
		"$@" -o "$OUT/$name" $LIBS; then
		echo "fuzz: $name: build failed"
		fail=$((fail + 1))
		return 1
	fi
}

# run NAME MAX_LEN CORPUS...: new inputs go to the first corpus (under
# $OUT), the seeds kept in the repository are only read.
run() {
	name=$1 maxlen=$2
	shift 2
	echo "fuzz: running $name for $SECS s"
	if "$OUT/$name" -max_total_time="$SECS" -max_len="$maxlen" \
		-print_final_stats=1 -artifact_prefix="$OUT/$name-" "$@" \
		> "$OUT/$name.log" 2>&1; then
		grep -E 'stat::number_of_executed_units|stat::new_units_added' \
			"$OUT/$name.log"
		pass=$((pass + 1))
	else
		tail -n 40 "$OUT/$name.log"
		echo "fuzz: $name failed (crash input $OUT/$name-*, log $OUT/$name.log)"
		fail=$((fail + 1))
	fi
}

if build fuzz_netlink tests/fuzz/fuzz_netlink.c user/netlink.c user/sync*.c user/ht.c user/opool.c \
	user/log.c user/conf.c user/fib4.c user/resilient.c user/ifdata.c user/bpfmmap.c; then
	# Seed corpus: well-formed kernel messages (tests/fuzz/seeds.c).
	MNL=$(pkg-config --cflags --libs libmnl 2>/dev/null || echo -lmnl)
	# shellcheck disable=SC2086
	if $CLANG -O1 -Iinclude -Iuser tests/fuzz/seeds.c -o "$OUT/seeds" \
		$MNL; then
		"$OUT/seeds" "$OUT/corpus"
	fi
	run fuzz_netlink 4096 "$OUT/corpus"
fi
if build fuzz_conf tests/fuzz/fuzz_conf.c user/conf.c user/netlink.c \
	user/log.c; then
	run fuzz_conf 2048 "$OUT/corpus_conf" tests/fuzz/corpus_conf
fi
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
