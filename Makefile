# dxemu: the two quick-start commands and a few helpers.
#   make demo   install libpcap-dev if missing, build release, run the main job
#   make test   install libpcap-dev if missing, run the whole test suite
SHELL := /bin/sh
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test deps build release bench-lookup sample-capture clean

deps:
	@pkg-config --exists libpcap 2>/dev/null || { \
	  echo "installing libpcap-dev (pkg-config cannot find libpcap)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends pkg-config libpcap-dev; }

release: deps
	swift build -c release --product dxemu

demo: release
	.build/release/dxemu inspect

test: deps
	swift test

sample-capture: release
	.build/release/dxemu sample-capture -o captures/securecart.pcap

clean:
	rm -rf .build
