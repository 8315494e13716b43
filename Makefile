# The front door: make (build), make test, make demo, make bench, make clean, make install.
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
APT_TEST := libpcap-dev iproute2 nftables groff man-db libxml2-utils tcpdump ethtool nmap masscan libcap2-bin \
	nginx-light openssl openssh-server vsftpd exim4-daemon-light redis-server memcached dovecot-imapd dovecot-pop3d postgresql mosquitto xsltproc ndiff \
	slurmctld slurmd slurm-client munge parallel python3-yaml sqlite3 chromium bind9 ntpsec snmpd ieee-data
APT_BENCH := masscan zmap nmap iproute2 time tcpdump nftables jq sqlite3 bind9 ntpsec snmpd python3

.PHONY: all build deps sysdeps native ts test demo bench fuzz clean test-deps bench-deps install uninstall

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

# make install [PREFIX=/usr/local] [DESTDIR=staging root]: the built tree under
# PREFIX/lib/trawl (dist without its tests, the native module, package.json for the version, and
# the runtime node_modules), PREFIX/bin/trawl a relative symbolic link to its main.js (node
# resolves it to the real path, so the commands find their lib directory wherever DESTDIR put
# it), the man pages and the bash completion. It builds only when nothing was built: run make
# first after changing the sources.
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib/trawl
MANDIR = $(PREFIX)/share/man
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
NATIVE_MODULE := native/build/Release/trawl_native.node
MAN1 := $(wildcard man/*.1)
MAN7 := $(wildcard man/*.7)
# The runtime packages are those npm ci --omit=dev installs: package-lock.json's entries not
# marked dev (nested ones come with their parent's directory).
RUNTIME_MODULES = $(shell node -p "Object.entries(require('./package-lock.json').packages).filter(([k, v]) => /^node_modules\/(@[^/]+\/)?[^/]+$$/.test(k) && !v.dev).map(([k]) => k).join(' ')")

install:
	@[ -f dist/shared/main.js ] && [ -f $(NATIVE_MODULE) ] || $(MAKE) build
	rm -rf '$(DESTDIR)$(LIBDIR)'
	install -d '$(DESTDIR)$(LIBDIR)/dist' '$(DESTDIR)$(LIBDIR)/native/build/Release' '$(DESTDIR)$(LIBDIR)/node_modules' \
	  '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(MANDIR)/man7' '$(DESTDIR)$(COMPLETIONDIR)'
	cp -R dist/shared dist/cmds dist/native '$(DESTDIR)$(LIBDIR)/dist/'
	install -m 644 package.json '$(DESTDIR)$(LIBDIR)/'
	install -m 755 $(NATIVE_MODULE) '$(DESTDIR)$(LIBDIR)/native/build/Release/'
	cp -R $(RUNTIME_MODULES) '$(DESTDIR)$(LIBDIR)/node_modules/'
	@# re2 and better-sqlite3 keep the .node files they load, not the 90 MB of objects (and
	@# copies of those files in obj.target) that node-gyp left around them.
	find '$(DESTDIR)$(LIBDIR)/node_modules' -path '*/build/*' -type f ! -regex '.*/build/Release/[^/]*\.node' -delete
	find '$(DESTDIR)$(LIBDIR)/node_modules' -path '*/build/*' -type d -empty -delete
	ln -sfn "$$(realpath -m --relative-to='$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBDIR)/dist/shared/main.js')" '$(DESTDIR)$(BINDIR)/trawl'
	install -m 644 $(MAN1) '$(DESTDIR)$(MANDIR)/man1/'
	install -m 644 $(MAN7) '$(DESTDIR)$(MANDIR)/man7/'
	node dist/shared/main.js completion bash > '$(DESTDIR)$(COMPLETIONDIR)/trawl'

# Removes what install put, and nothing else: the lib directory is trawl's alone.
uninstall:
	rm -rf '$(DESTDIR)$(LIBDIR)'
	rm -f '$(DESTDIR)$(BINDIR)/trawl' '$(DESTDIR)$(COMPLETIONDIR)/trawl' \
	  $(addprefix '$(DESTDIR)$(MANDIR)/man1/,$(addsuffix ',$(notdir $(MAN1)))) \
	  $(addprefix '$(DESTDIR)$(MANDIR)/man7/,$(addsuffix ',$(notdir $(MAN7))))
