#!/usr/bin/env bash
# Send a directory of PNG and JPEG images to frameguard (an image model serving), one record each, the PNGs in
# file-name order and then the JPEGs, then print the anomalies it reports for them.
#   send-pngs.sh BOOTSTRAP SOURCE DIR [SECONDS]
# key = SOURCE (the camera), header content-type: image/png or image/jpeg; the service decodes the picture and converts
# it to the model's geometry (another size is resized, colour made gray or gray made colour, as in training), so check
# the camera's resolution yourself: a wrong one is not refused.
set -euo pipefail
shopt -s nullglob nocaseglob
. "$(dirname "$0")/anomalies.sh"
bootstrap=$1 source=$2 dir=$3 seconds=${4:-30}
pngs=("$dir"/*.png) jpegs=("$dir"/*.jpg "$dir"/*.jpeg)
if [ ${#pngs[@]} -eq 0 ] && [ ${#jpegs[@]} -eq 0 ]; then
  echo "no .png, .jpg or .jpeg files in $dir" >&2
  exit 2
fi
start=$(date +%s%3N)
if [ ${#pngs[@]} -gt 0 ]; then
  kcat -P -b "$bootstrap" -t "${FRAMES_TOPIC:-frames}" -k "$source" -H content-type=image/png "${pngs[@]}"
fi
if [ ${#jpegs[@]} -gt 0 ]; then
  kcat -P -b "$bootstrap" -t "${FRAMES_TOPIC:-frames}" -k "$source" -H content-type=image/jpeg "${jpegs[@]}"
fi
echo "sent ${#pngs[@]} PNG and ${#jpegs[@]} JPEG frames of $source"
print_anomalies "$bootstrap" "$source" "$start" "$seconds"
