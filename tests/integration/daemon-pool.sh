#!/bin/sh
# daemon life of echofetchd-blocking --model pool.
exec bash "$(dirname "$0")/daemon.sh" blocking pool
