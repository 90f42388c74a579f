# The start every suite script shares; source it with suite=NAME set and the build directory as $1.
# Sets here (the source tree), build (made, absolute) and out (BUILD/NAME-tests, empty).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1" || exit 1
build=$(cd "$1" && pwd)
out=$build/$suite-tests
rm -rf "$out" && mkdir -p "$out"
