# Sourced by the bench/load scripts: Debian's nginx as a server whose own cost is negligible and
# constant, so that what a script measures is the client. One worker pinned to core 1 (the
# scripts pin the client to core 0), keep-alive without limit, no access log.
#
#   start_pinned_nginx WORK_DIR PORT 'LOCATION BODY'
#
# writes WORK_DIR/nginx.conf with `location / { LOCATION BODY }`, starts nginx as a daemon (its
# pid in WORK_DIR/nginx.pid) and returns once 127.0.0.1:PORT accepts connections. The caller
# stops it with stop_nginx WORK_DIR (from its EXIT trap).

start_pinned_nginx() {
  local work=$1 port=$2 location=$3
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  server {
    listen 127.0.0.1:$port;
    location / { $location }
  }
}
CONF
  taskset -c 1 nginx -c "$work/nginx.conf" -p "$work" -e "$work/error.log"
  local _
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nginx did not accept connections on 127.0.0.1:$port within 5 s ($work/error.log):" >&2
  cat "$work/error.log" >&2 2>/dev/null || true
  return 1
}

stop_nginx() {
  [ -f "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true
}
