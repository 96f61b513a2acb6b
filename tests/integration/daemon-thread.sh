#!/bin/sh
# daemon life of echofetchd-blocking --model thread.
exec bash "$(dirname "$0")/daemon.sh" blocking thread
