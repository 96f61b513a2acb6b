#!/bin/sh
# integration: the suite against echofetchd-blocking --model fork.
exec bash "$(dirname "$0")/suite.sh" blocking fork
