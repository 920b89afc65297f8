# dxemu: the two quick-start commands and a few helpers.
#   make demo   install libpcap-dev if missing, build release, run the main job
#   make test   install libpcap-dev if missing, run the whole test suite
SHELL := /bin/sh
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Release builds target this machine's CPU (POPCNT, BMI2, AVX2 where present),
# as the DPDK peer is built with -march=native.
RELEASE := -c release -Xswiftc -target-cpu -Xswiftc native
# The peers are copied under .build and built there: ../shared stays untouched.
PEERS := .build/peers
# Rounds of `make bench-replay`.
REPLAY_ROUNDS ?= 10
LPM_PEER := $(PEERS)/lpm

.PHONY: demo test deps build release bench-lookup bench-read bench-replay bench-allocs sample-capture clean

deps:
	@pkg-config --exists libpcap 2>/dev/null || { \
	  echo "installing libpcap-dev (pkg-config cannot find libpcap)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends pkg-config libpcap-dev; }

release: deps
	swift build $(RELEASE) --product dxemu

demo: release
	.build/release/dxemu failover

test: deps
	swift test

sample-capture: release
	.build/release/dxemu sample-capture -o captures/securecart.pcap

clean:
	rm -rf .build

# The LPM yardstick: rte_lpm, rte_fib and dxemu in one run, pinned to one CPU
# (needs dpdk-dev, libdpdk-dev, python3-pyasn; see ../shared/peers/lpm/README.md).
$(PEERS)/%:
	mkdir -p $(PEERS) && cp -r ../shared/peers/$* $@

bench-lookup: release $(LPM_PEER)
	python3 $(LPM_PEER)/real_table.py /usr/lib/python3/dist-packages/data/ipasn6_20151101.dat.gz -o /tmp/rv2015.txt
	cd $(LPM_PEER) && TABLES=/tmp/rv2015.txt ROUNDS=$${ROUNDS:-3} SKIP_TRIE=1 \
	  EXTRA_BENCH="$(CURDIR)/.build/release/dxemu bench lookup" ./run_bench.sh $(CURDIR)/bench-out/lpm

# Read + parse + flow-key rate beside libpcap's own read loop (../shared/peers/pcapread).
bench-read: release $(PEERS)/pcapread
	cd $(PEERS)/pcapread && ./build.sh && python3 gen_capture.py /tmp/dxemu-big.pcap 2000000 1
	for i in 1 2 3; do taskset -c 1 .build/release/dxemu bench read /tmp/dxemu-big.pcap; \
	  taskset -c 1 $(PEERS)/pcapread/build/pcapread /tmp/dxemu-big.pcap 5; done

# The whole replay at top speed beside libpcap's own read loop, round by
# round in one run (issue 7's yardstick: the ratio should be at least 0.7).
bench-replay: release $(PEERS)/pcapread
	cd $(PEERS)/pcapread && ./build.sh && { [ -f /tmp/dxemu-big.pcap ] || python3 gen_capture.py /tmp/dxemu-big.pcap 2000000 1; }
	@# Each round: libpcap, dxemu, libpcap again (the VM changes speed from
	@# minute to minute: the ratio is to the mean of the two libpcap figures);
	@# the median over the rounds at the end.
	@for i in $$(seq $(REPLAY_ROUNDS)); do \
	  p=$$(taskset -c 1 $(PEERS)/pcapread/build/pcapread /tmp/dxemu-big.pcap 3 | sed -n 's/.*mpps_median=\([0-9.]*\).*/\1/p'); \
	  d=$$(taskset -c 0,1 .build/release/dxemu bench replay /tmp/dxemu-big.pcap -R 3 | sed -n 's/.*mpps_median=\([0-9.]*\).*/\1/p'); \
	  q=$$(taskset -c 1 $(PEERS)/pcapread/build/pcapread /tmp/dxemu-big.pcap 3 | sed -n 's/.*mpps_median=\([0-9.]*\).*/\1/p'); \
	  echo "round $$i libpcap_read_mpps=$$p/$$q dxemu_replay_mpps=$$d ratio=$$(echo $$d $$p $$q | awk '{printf "%.3f", 2 * $$1 / ($$2 + $$3)}')"; \
	done | tee .build/bench-replay.txt
	@sed -n 's/.*ratio=//p' .build/bench-replay.txt | sort -n | awk '{r[NR] = $$1} END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; \
	  printf "median ratio %.3f over %d rounds (min %.3f, max %.3f)\n", m, NR, r[1], r[NR]}'

# Allocations per packet: the malloc count of a run must not grow with its
# packets (forwarding 1M vs 10M packets; replaying 200k vs 1M packets).
bench-allocs: release
	gcc -O2 -shared -fPIC -o .build/malloccount.so Benchmarks/Tools/malloccount.c -ldl
	for d in 1 10; do LD_PRELOAD=$(CURDIR)/.build/malloccount.so .build/release/dxemu bench forward \
	  --rate 1000000 --duration $$d --failAt 1000 2>&1 | grep -o 'sent=[0-9]*\|MALLOCS [0-9]*' | paste -sd' '; done
	for n in 200000 1000000; do .build/release/dxemu sample-capture --bulk $$n -o /tmp/dxemu-allocs-$$n.pcap >/dev/null && \
	  LD_PRELOAD=$(CURDIR)/.build/malloccount.so .build/release/dxemu bench replay /tmp/dxemu-allocs-$$n.pcap -R 1 2>&1 \
	  | grep -o 'packets=[0-9]*\|MALLOCS [0-9]*' | paste -sd' '; rm -f /tmp/dxemu-allocs-$$n.pcap; done

