#!/bin/sh
# integration: the fetch suite against echofetchd-blocking --model thread.
exec bash "$(dirname "$0")/fetch_suite.sh" blocking thread
