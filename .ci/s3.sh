# shellcheck shell=bash
# S3-compatible servers for the tests: MinIO (the default) and versitygw.
# Source this file from .ci/run, then:
#
#   s3_install_minio && s3_start_minio     # exports TRADEPIPE_S3_* and AWS_* for the tests
#   go test -p 1 ./sinks/... ./cmd/...
#   s3_stop                                 # also runs at exit (EXIT trap)
#
#   s3_install_versitygw && s3_start_versitygw   # the same, against versitygw (posix backend)
#
# Binaries are built once with `go install` at pinned versions and kept in
# $TRADEPIPE_CACHE (default /var/cache/tradepipe, else ~/.cache/tradepipe),
# keyed by version, so later runs on the same machine start at once.
# Needs: go, curl (>= 7.75, for --aws-sigv4).

S3_MINIO_VERSION="${S3_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
S3_VERSITYGW_VERSION="${S3_VERSITYGW_VERSION:-v1.8.0}"
S3_BUCKET="${S3_BUCKET:-tradepipe-test}"

_s3_log() { echo "s3.sh: $*" >&2; }

_s3_cache() {
	local d="${TRADEPIPE_CACHE:-}"
	if [ -z "$d" ]; then
		if mkdir -p /var/cache/tradepipe 2>/dev/null && [ -w /var/cache/tradepipe ]; then
			d=/var/cache/tradepipe
		else
			d="$HOME/.cache/tradepipe"
		fi
	fi
	mkdir -p "$d/bin" && echo "$d/bin"
}

# _s3_go_install PKG VERSION NAME: builds PKG@VERSION into the cache as
# NAME-VERSION unless it is there; prints the binary's path.
_s3_go_install() {
	local pkg="$1" ver="$2" name="$3" bin tmp
	bin="$(_s3_cache)/$name-$ver"
	if [ -x "$bin" ]; then
		echo "$bin"
		return 0
	fi
	tmp="$(mktemp -d)"
	_s3_log "building $pkg@$ver (once; cached as $bin)"
	if ! GOBIN="$tmp" GOFLAGS="-p=1 -buildvcs=false" go install "$pkg@$ver" >&2; then
		rm -rf "$tmp"
		_s3_log "go install $pkg@$ver failed"
		return 1
	fi
	mv "$tmp/$(basename "${pkg%@*}")" "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
	rm -rf "$tmp"
	echo "$bin"
}

s3_install_minio() {
	S3_MINIO_BIN="$(_s3_go_install github.com/minio/minio "$S3_MINIO_VERSION" minio)"
}

s3_install_versitygw() {
	S3_VERSITYGW_BIN="$(_s3_go_install github.com/versity/versitygw/cmd/versitygw "$S3_VERSITYGW_VERSION" versitygw)"
}

# _s3_free_port: a TCP port on 127.0.0.1 nobody listens on.
_s3_free_port() {
	local p
	for p in $(seq "${1:-19000}" 19999); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

_s3_add_exit_trap() {
	if [ -z "${_S3_TRAPPED:-}" ]; then
		local prev
		prev="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
		# shellcheck disable=SC2064
		trap "s3_stop; ${prev:-:}" EXIT
		_S3_TRAPPED=1
	fi
}

# _s3_wait URL SECONDS: waits until URL answers (any HTTP status with
# -f unset; a 2xx when the second arg is "ok").
_s3_wait() {
	local url="$1" secs="$2" want="${3:-any}" i
	for i in $(seq 1 $((secs * 4))); do
		if [ "$want" = ok ]; then
			curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		else
			curl -sS -o /dev/null "$url" 2>/dev/null && return 0
		fi
		if [ -n "${S3_PID:-}" ] && ! kill -0 "$S3_PID" 2>/dev/null; then
			_s3_log "server exited; its log:"
			cat "$S3_DIR/server.log" >&2
			return 1
		fi
		sleep 0.25
	done
	_s3_log "$url did not answer in ${secs}s; server log:"
	cat "$S3_DIR/server.log" >&2
	return 1
}

# _s3_export ENDPOINT KEY SECRET: the environment the tests read.
_s3_export() {
	export TRADEPIPE_S3_ENDPOINT="$1" TRADEPIPE_S3_BUCKET="$S3_BUCKET" TRADEPIPE_S3_REGION=us-east-1 TRADEPIPE_S3_PATH_STYLE=true
	export AWS_ACCESS_KEY_ID="$2" AWS_SECRET_ACCESS_KEY="$3" AWS_REGION=us-east-1
	# Credentials come from the environment alone: no IMDS probes, no
	# profiles of whoever runs this.
	export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	unset AWS_PROFILE AWS_SESSION_TOKEN
}

_s3_make_bucket() {
	local code
	code="$(curl -sS -o "$S3_DIR/mb.out" -w '%{http_code}' -X PUT \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		"$TRADEPIPE_S3_ENDPOINT/$S3_BUCKET")"
	case "$code" in
	200 | 409) return 0 ;; # 409: it exists already
	*)
		_s3_log "create bucket $S3_BUCKET: HTTP $code"
		cat "$S3_DIR/mb.out" >&2
		return 1
		;;
	esac
}

_s3_secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# s3_start_minio: MinIO on 127.0.0.1 with a temp data dir and the bucket.
s3_start_minio() {
	[ -n "${S3_MINIO_BIN:-}" ] || s3_install_minio || return 1
	_s3_add_exit_trap
	S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tradepipe-minio.XXXXXX")"
	local port cport key secret
	port="$(_s3_free_port 19000)" && cport="$(_s3_free_port $((port + 1)))" || return 1
	key="tp$(_s3_secret)" secret="$(_s3_secret)"
	key="${key:0:20}"
	MINIO_ROOT_USER="$key" MINIO_ROOT_PASSWORD="$secret" MINIO_BROWSER=off \
		"$S3_MINIO_BIN" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$cport" \
		"$S3_DIR/data" >"$S3_DIR/server.log" 2>&1 &
	S3_PID=$!
	S3_SERVER=minio
	_s3_wait "http://127.0.0.1:$port/minio/health/live" 60 ok || return 1
	_s3_export "http://127.0.0.1:$port" "$key" "$secret"
	_s3_make_bucket || return 1
	_s3_log "minio $S3_MINIO_VERSION on $TRADEPIPE_S3_ENDPOINT, bucket $S3_BUCKET (pid $S3_PID)"
}

# s3_start_versitygw: versitygw on 127.0.0.1 with the posix backend on a
# temp dir and the bucket.
s3_start_versitygw() {
	[ -n "${S3_VERSITYGW_BIN:-}" ] || s3_install_versitygw || return 1
	_s3_add_exit_trap
	S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tradepipe-versitygw.XXXXXX")"
	mkdir -p "$S3_DIR/data"
	local port key secret
	port="$(_s3_free_port 19100)" || return 1
	key="tp$(_s3_secret)" secret="$(_s3_secret)"
	key="${key:0:20}"
	ROOT_ACCESS_KEY="$key" ROOT_SECRET_KEY="$secret" \
		"$S3_VERSITYGW_BIN" --port "127.0.0.1:$port" --health /health posix "$S3_DIR/data" >"$S3_DIR/server.log" 2>&1 &
	S3_PID=$!
	S3_SERVER=versitygw
	_s3_wait "http://127.0.0.1:$port/health" 60 ok || return 1
	_s3_export "http://127.0.0.1:$port" "$key" "$secret"
	_s3_make_bucket || return 1
	_s3_log "versitygw $S3_VERSITYGW_VERSION on $TRADEPIPE_S3_ENDPOINT, bucket $S3_BUCKET (pid $S3_PID)"
}

# s3_stop: stops the server this shell started and removes its data.
s3_stop() {
	if [ -n "${S3_PID:-}" ]; then
		kill "$S3_PID" 2>/dev/null || true
		wait "$S3_PID" 2>/dev/null || true
		_s3_log "stopped ${S3_SERVER:-server} (pid $S3_PID)"
	fi
	if [ -n "${S3_DIR:-}" ]; then rm -rf "$S3_DIR"; fi
	S3_PID="" S3_DIR=""
	unset TRADEPIPE_S3_ENDPOINT TRADEPIPE_S3_BUCKET
}
