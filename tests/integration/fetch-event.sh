#!/bin/sh
# integration: the fetch suite against echofetchd, the libevent build.
exec bash "$(dirname "$0")/fetch_suite.sh" event
