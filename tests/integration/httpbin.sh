#!/bin/bash
# httpbin: echofetchd and echofetchd-blocking (thread) against the real
# httpbin, one TAP line per case (httpbin_compare.py, httpbin_cases_*.py).
#
# Both servers run on 127.0.0.1 port 0 (lib.sh); the harness starts Debian's
# httpbin on loopback itself. Exits 0 whatever the checks say; "Bail out!"
# when a server or httpbin cannot start.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

lib_setup
python3 -c 'import httpbin.core' 2>/dev/null ||
    tap_bail "python3-httpbin is not installed (scripts/deps.sh)"
srv_start_both
python3 "$LIB_DIR/httpbin_compare.py" --target "event=${SRV_HTTP[event]}" \
    --target "thread=${SRV_HTTP[thread]}"
exit 0
