#!/bin/sh
# ops checks of echofetchd-blocking --model fork.
exec bash "$(dirname "$0")/ops.sh" blocking fork
