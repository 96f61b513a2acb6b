#!/bin/sh
# integration: the suite against echofetchd-blocking --model sequential.
exec bash "$(dirname "$0")/suite.sh" blocking sequential
