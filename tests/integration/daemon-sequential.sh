#!/bin/sh
# daemon life of echofetchd-blocking --model sequential.
exec bash "$(dirname "$0")/daemon.sh" blocking sequential
