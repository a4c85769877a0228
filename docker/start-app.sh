#!/bin/sh
# Starts the app named by APP from the build, replacing this shell so that the
# app receives the stop signal itself and shuts down cleanly. Source maps on, so
# that a stack trace names the TypeScript file and line.
set -eu
app="${APP:-monolith}"
main="dist/apps/${app}/src/main.js"
if [ ! -f "$main" ]; then
  echo "APP=${app} is not an app of this image; choose one of: $(ls dist/apps | tr '\n' ' ')" >&2
  exit 64
fi
exec node --enable-source-maps "$main" "$@"
