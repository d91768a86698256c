# The access log: one line per request when http.access_log is on, with
# quotes in the target escaped, whatever server.log_level says; none when
# it is off.
NAME=logging
. "$(dirname "$0")/../lib/harness.sh"

CONF_HTTP='access_log = true;' CONF_SERVER='log_level = "warn";' write_conf
echo hi >"$T/www/index.html"
READY_BY=status start_airlockd || exit 1
curl -s -o /dev/null "$URL/index.html"
curl -s -o /dev/null "$URL/missing"
printf 'GET /a"b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    python3 -c "
import socket,sys
s=socket.create_connection(('127.0.0.1',$PORT)); s.sendall(sys.stdin.buffer.read()); s.recv(4096)"
check "a line per request: peer, request, status, bytes" \
    wait_log 'worker\[[0-9]*\]: 127.0.0.1 "GET /index.html" 200 [0-9][0-9]*$' 3
check "a 404 is logged with its status" wait_log '"GET /missing" 404 ' 3
check "a quote in the target is escaped" wait_log '"GET /a%22b" 404 ' 3
check "log_level = warn leaves out info lines, not the access log" \
    sh -c "! grep -q 'listening on' '$T/log'"
stop_airlockd

rm -f "$T/airlock.conf"
write_conf
start_airlockd || exit 1
curl -s -o /dev/null "$URL/index.html"
sleep 0.3
check "access_log = false (the default): no request lines" \
    sh -c "! grep -q '\"GET /index.html\"' '$T/log'"
