#!/bin/sh
# integration: the fetch suite against echofetchd-blocking --model sequential.
exec bash "$(dirname "$0")/fetch_suite.sh" blocking sequential
