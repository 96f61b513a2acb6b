#!/bin/sh
# integration: the suite against echofetchd, the libevent build.
exec bash "$(dirname "$0")/suite.sh" event
