#!/bin/sh
# Fetch Debian's cloud kernel without installing it.
#
#   bench/linux-kernel.sh OUTDIR [FLAVOUR MODULE...]
#
# FLAVOUR: another of Debian's kernels instead (amd64: the generic one, which has 9p as modules,
# unlike the cloud kernel), with the modules named (paths under kernel/, without .ko) in OUTDIR/modules.
#
# linux-image-cloud-amd64 is a metapackage; its dependency is the real,
# versioned linux-image-<abi>-cloud-amd64 package.  Resolve that with
# apt-cache, download the .deb into OUTDIR, unpack it with dpkg-deb -x and
# leave OUTDIR/vmlinuz plus OUTDIR/version (package, version, release), and in OUTDIR/modules the
# modules the UDP echo benchmark loads for its network device (virtio and virtio-net are modules in
# this kernel; bench/udpecho.c names them in the order they load).
set -eu

out=${1:?usage: linux-kernel.sh OUTDIR [FLAVOUR MODULE...]}
flavour=${2:-cloud-amd64}
[ $# -ge 2 ] && shift 2
meta=linux-image-$flavour
mkdir -p "$out"

resolve() {
    apt-cache depends "$meta" 2>/dev/null |
        sed -n "s/^ *Depends: *\\(linux-image-[0-9][^ ]*-$flavour\\)\$/\\1/p" | head -n 1
}

pkg=$(resolve)
if [ -z "$pkg" ]; then
    # A fresh machine may have no package lists yet.
    if [ "$(id -u)" = 0 ]; then
        apt-get update >&2
        pkg=$(resolve)
    else
        echo "linux-kernel: apt-cache does not know $meta; run as root:" >&2
        echo "  apt-get update" >&2
        exit 1
    fi
fi
[ -n "$pkg" ] || { echo "linux-kernel: cannot resolve $meta" >&2; exit 1; }

release=${pkg#linux-image-}
version=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n 1)

deb=$(ls "$out"/"${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ] || ! dpkg-deb -f "$deb" Version | grep -qx "$version"; then
    rm -f "$out"/linux-image-*.deb
    # apt-get download writes into the current directory.  Downloading as
    # root into a directory the sandbox user cannot write is fine: skip the
    # sandbox instead of warning about it.
    (cd "$out" && apt-get -q -o APT::Sandbox::User=root download "$pkg") >&2
    deb=$(ls "$out"/"${pkg}"_*.deb | head -n 1)
fi

rm -rf "$out/pkg"
dpkg-deb -x "$deb" "$out/pkg"
cp "$out/pkg/boot/vmlinuz-$release" "$out/vmlinuz"
cp "$out/pkg/boot/config-$release" "$out/config"
rm -rf "$out/modules" && mkdir -p "$out/modules"
[ "$flavour" = cloud-amd64 ] && set -- drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio \
    net/core/failover drivers/net/net_failover drivers/net/virtio_net
for m in "$@"; do
    cp "$out/pkg/lib/modules/$release/kernel/$m.ko" "$out/modules/"
done
rm -rf "$out/pkg"
printf '%s %s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$release" > "$out/version"
echo "linux-kernel: $(cat "$out/version")" >&2
