# The front door: make (build), make test, make demo, make bench, make clean.
# Every target installs what it needs on a fresh Debian machine (run as root).
SHELL := /bin/bash
NODE_GYP := node_modules/.bin/node-gyp
# Build against the headers of the node that runs us (no download: this machine has no network).
NODE_PREFIX := $(shell node -p "require('path').resolve(process.execPath, '../..')")
NODEDIR := $(if $(wildcard $(NODE_PREFIX)/include/node/node_api.h),--nodedir=$(NODE_PREFIX),)
# npm ci builds better-sqlite3 from source the same way (about a minute): against these headers,
# without trying to download a prebuilt binary or headers first.
NPM_NATIVE_ENV := npm_config_build_from_source=true $(if $(NODEDIR),npm_config_nodedir=$(NODE_PREFIX),)
APT_BUILD := libpcap-dev g++ make python3
APT_TEST := libpcap-dev iproute2 nftables groff libxml2-utils tcpdump ethtool nmap masscan libcap2-bin \
	nginx-light openssl openssh-server vsftpd exim4-daemon-light redis-server memcached dovecot-imapd dovecot-pop3d postgresql mosquitto xsltproc ndiff \
	slurmctld slurmd slurm-client munge parallel python3-yaml sqlite3 chromium
APT_BENCH := masscan zmap nmap iproute2 time tcpdump nftables jq sqlite3

.PHONY: all build deps sysdeps native ts test demo bench fuzz clean test-deps bench-deps

all: build

# Installs Debian packages only when one is missing, so repeated runs cost nothing.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

sysdeps:
	$(call apt_install,$(APT_BUILD))

# re2 (nmap rule matching) and better-sqlite3 (fmt -o sqlite) build from source with node-gyp:
# DOWNLOAD_FORCE_BUILD and npm_config_build_from_source skip their attempts to fetch a prebuilt
# binary from the Internet, npm_config_nodedir the download of node headers.
node_modules/.installed: package.json package-lock.json
	DOWNLOAD_FORCE_BUILD=1 $(NPM_NATIVE_ENV) npm ci --no-audit --no-fund
	touch $@

deps: sysdeps node_modules/.installed

# The C++ sender reads the replies frame through native/gen/replies.h, generated from the
# layout table in shared/replies.ts: so TypeScript is compiled first.
native: deps ts
	node dist/native/gen-replies-h.js native/gen/replies.h
	@if [ -f native/binding.gyp ]; then cd native && ../$(NODE_GYP) rebuild $(NODEDIR) --silent >/dev/null; fi

ts: deps
	node_modules/.bin/tsc -p .
	chmod +x dist/shared/main.js

build: ts native

test-deps:
	$(call apt_install,$(APT_TEST))

test: build test-deps
	bash test/run.sh

demo: build
	bash test/demo/demo.sh

bench-deps:
	$(call apt_install,$(APT_BENCH))

bench: build bench-deps
	bash test/bench/run.sh

# Long fuzzing runs (make test runs the same fuzzers briefly).
fuzz: build test-deps
	bash test/fuzz/run.sh

clean:
	rm -rf dist native/build native/gen
