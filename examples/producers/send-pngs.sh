#!/usr/bin/env bash
# Send a directory of PNG images to frameguard (an image model serving), one record each in file-name order, then
# print the anomalies it reports for them.
#   send-pngs.sh BOOTSTRAP SOURCE DIR [SECONDS]
# key = SOURCE (the camera), header content-type: image/png; the service decodes the PNG and checks its size against
# the model's (a wrong size goes to frames.dlq with reason wrong-dimension).
set -euo pipefail
. "$(dirname "$0")/anomalies.sh"
bootstrap=$1 source=$2 dir=$3 seconds=${4:-30}
start=$(date +%s%3N)
kcat -P -b "$bootstrap" -t "${FRAMES_TOPIC:-frames}" -k "$source" -H content-type=image/png "$dir"/*.png
echo "sent $(ls "$dir"/*.png | wc -l) PNG frames of $source"
print_anomalies "$bootstrap" "$source" "$start" "$seconds"
