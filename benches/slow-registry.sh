#!/usr/bin/env bash
# How long `policy-verify REF` takes to give up on a slow or silent registry with the default
# deadline (no --timeout): each registry operation, all its tries, the HTTPS-first probe and
# token fetches included, must end within 90 s. A loopback server (Python, no dependencies)
# plays each mode in turn; the line per mode gives the wall time and the error line.
#
#   benches/slow-registry.sh [MODE...]   (default: all; modes: silent hang drip-head drip-body
#                                          drip-token)
#
#   silent      accepts connections, never reads or answers a byte (not even TLS)
#   hang        reads the request, never answers
#   drip-head   answers everything one byte per second, status line first
#   drip-body   answers /v2/ at once; a manifest's head at once, its body one byte per second
#   drip-token  /v2/ wants a Bearer token; the token service drips its answer
#
# It waits up to about 90 s per mode, mostly idle (so a busy machine barely changes it). Exits
# non-zero when a mode ran past the deadline plus 5 s of process start and slack.
set -euo pipefail
cd "$(dirname "$0")/.."
modes=("$@")
((${#modes[@]})) || modes=(silent hang drip-head drip-body drip-token)
cargo build --quiet -p xtask
bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/xtask")
work=$(mktemp -d /tmp/slow-registry.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# A throwaway key pair: policy-verify reads the public key before it asks the registry.
(cd "$work" && COSIGN_PASSWORD=bench-only "$bin" policy-keys >/dev/null 2>&1)

cat >"$work/server.py" <<'EOF'
import socket, sys, threading, time

mode = sys.argv[1]
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
held = []
port = listener.getsockname()[1]

def answer(status, body, headers=()):
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode(), body.encode()

def drip(conn, data):
    for b in data:
        time.sleep(1)
        conn.sendall(bytes([b]))

def serve(conn):
    held.append(conn)
    if mode == "silent":
        return
    try:
        buffered = b""
        while True:  # keep-alive: one request after another, as a registry serves them
            while b"\r\n\r\n" not in buffered:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffered += chunk
            request, buffered = buffered.split(b"\r\n\r\n", 1)
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            if mode == "hang" or " " not in line:  # a TLS ClientHello is no request line
                return
            path = line.split(" ")[1]
            if mode == "drip-head":
                head, body = answer("200 OK", "{}")
                drip(conn, head + body)
            elif mode == "drip-body" and path == "/v2/":
                head, body = answer("200 OK", "{}")
                conn.sendall(head + body)
            elif mode == "drip-body":
                head, body = answer("200 OK", '{"schemaVersion":2,' + " " * 200 + "}",
                                    [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
                conn.sendall(head)
                drip(conn, body)
            elif mode == "drip-token" and path.startswith("/token"):
                head, body = answer("200 OK", '{"token":"t","expires_in":300}' + " " * 200)
                conn.sendall(head)
                drip(conn, body)
            elif mode == "drip-token":
                challenge = f'Bearer realm="http://127.0.0.1:{port}/token",service="bench"'
                head, body = answer("401 Unauthorized", "", [("WWW-Authenticate", challenge)])
                conn.sendall(head + body)
    except OSError:
        pass

while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
EOF

status=0
for mode in "${modes[@]}"; do
  python3 "$work/server.py" "$mode" >"$work/port" &
  server=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  start=$(date +%s.%N)
  # HTTPS first, as on any loopback registry without --plain-http.
  (cd "$work" && "$bin" policy-verify "127.0.0.1:$port/p/c:dev" 2>"$work/err" >/dev/null) || true
  end=$(date +%s.%N)
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
  took=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
  printf '%-10s %6s s  %s\n' "$mode" "$took" "$(grep '^error:' "$work/err" | tail -1)"
  awk -v t="$took" 'BEGIN { exit !(t > 95) }' && status=1
done
exit $status
