#!/bin/sh
# integration: the suite against echofetchd-blocking --model thread.
exec bash "$(dirname "$0")/suite.sh" blocking thread
