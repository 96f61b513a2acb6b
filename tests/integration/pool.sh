#!/bin/sh
# integration: the suite against echofetchd-blocking --model pool --pool-size 2.
exec bash "$(dirname "$0")/suite.sh" blocking pool
