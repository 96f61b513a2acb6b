#!/bin/sh
# daemon life of echofetchd-blocking --model fork.
exec bash "$(dirname "$0")/daemon.sh" blocking fork
