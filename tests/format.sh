#!/bin/sh
# make format-check: the C files listed as formatted must be what clang-format (.clang-format) makes of them.
# usage: tests/format.sh [CLANG_FORMAT]
#
# Two lists, the one place that says which files follow .clang-format: "formatted" files are checked;
# "not yet formatted" ones are not, until someone reformats one (clang-format -i FILE, best done when no
# other change to it is under way: lx's sources are being reorganised) and moves it to the first list.
# A new file belongs in the first. A listed file that is gone, or a file in neither list, is only
# mentioned, so that moving files elsewhere does not fail the suite.
set -u
cd "$(dirname "$0")/.." || exit 1
cf=${1:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
	echo "not ok format/clang-format: $cf is not installed (tools/deps.sh names the package)"
	exit 1
fi

formatted="
	bench/bench.c
	bench/chunks.h
	bench/disk.c
	bench/hello.c
	bench/io.c
	bench/modules.h
	bench/pystart.c
	bench/scaling.c
	bench/udpecho.c
	include/mica/blk.h
	libos/lx/x86len.c
	libos/lx/x86len.h
	libos/lx/rewrite.c
	libos/lx/rewrite.h
	tests/linux/rewrite.c
	tests/unit/test_x86len.c
	include/mica/dpf.h
	include/mica/memlayout.h
	include/mica/net.h
	include/mica/ninep.h
	include/mica/stream.h
	kernel/blk.c
	kernel/blk.h
	kernel/ktable.c
	kernel/ninep.c
	kernel/ninep.h
	libos/lx/ninep.c
	libos/lx/ninep.h
	libos/lx/volume.c
	libos/lx/volume.h
	libos/lx/volume_fd.c
	libos/lx/fuse.c
	libos/lx/linux/fuse.h
	libos/lx/fuse_mica.h
	libos/lx/ext4/ext4.c
	tests/disk/crash.c
	tests/disk/fusemap.c
	tests/disk/many.c
	tests/disk/mapshare.c
	tests/disk/perms.c
	tests/disk/wbfull.c
	tests/volumes/fuseproto.c
	tests/volumes/fusewb.c
	tests/volumes/fuse_server.h
	tests/volumes/volfs.c
	lib/avl.c
	lib/avl.h
	tests/unit/test_avl.c
	kernel/dpf.c
	kernel/dpf.h
	kernel/extent.c
	kernel/net.c
	kernel/pkey.c
	kernel/net.h
	kernel/netring.c
	kernel/revoke.c
	kernel/stream.c
	kernel/stream.h
	kernel/virtio.c
	kernel/virtio.h
	lib/string.c
	lib/string.h
	libos/net/arch/cc.h
	libos/net/include/stdlib.h
	libos/net/include/string.h
	libos/net/lwipopts.h
	libos/net/micanet.c
	libos/net/micanet.h
	libos/net/sys_arch.c
	libos/lx/init/init.c
	libos/lx/blkdev.c
	libos/lx/blkdev.h
	libos/lx/cred.h
	libos/lx/dev.h
	libos/lx/netif.c
	libos/lx/netif.h
	libos/lx/netlink.c
	libos/lx/linux/netlink.h
	libos/lx/errno.c
	libos/lx/errno.h
	libos/lx/fault.c
	libos/lx/pkey.c
	libos/lx/pkey.h
	libos/lx/fault.h
	libos/lx/file.h
	libos/lx/filelock.h
	libos/lx/futex.c
	libos/lx/futex.h
	libos/lx/inotify.c
	libos/lx/pidfd.c
	libos/lx/pidfd.h
	libos/lx/pifutex.c
	libos/lx/sigfd.c
	libos/lx/pty.c
	libos/lx/tty.c
	libos/lx/itimer.h
	libos/lx/linux/blkdev.h
	libos/lx/linux/errno.h
	libos/lx/linux/fcntl.h
	libos/lx/linux/mman.h
	libos/lx/linux/poll.h
	libos/lx/linux/sched.h
	libos/lx/linux/signal.h
	libos/lx/linux/socket.h
	libos/lx/linux/system.h
	libos/lx/linux/time.h
	libos/lx/linux/tty.h
	libos/lx/linux/xattr.h
	libos/lx/loader.h
	libos/lx/loopback.c
	libos/lx/mount.c
	libos/lx/mem.h
	libos/lx/process.h
	libos/lx/procfs.c
	libos/lx/procfs.h
	libos/lx/procfs_pid.c
	libos/lx/procnet.c
	libos/lx/procnet.h
	libos/lx/random.c
	libos/lx/random.h
	libos/lx/resource.c
	libos/lx/resource.h
	libos/lx/shared.h
	libos/lx/signal.h
	libos/lx/socket.c
	libos/lx/socket.h
	libos/lx/stream.c
	libos/lx/stream.h
	libos/lx/syscall.h
	libos/lx/system.h
	libos/lx/thread.h
	libos/lx/time.c
	libos/lx/time.h
	libos/lx/vfs_xattr.c
	libos/lx/udp.c
	libos/lx/unix.c
	libos/lx/unix.h
	libos/native/net.c
	libos/native/net.h
	tests/kernel/blk_child.c
	tests/kernel/blk_test.h
	tests/kernel/blktests.c
	tests/kernel/n_net.c
	tests/kernel/net_child.c
	tests/kernel/net_test.h
	tests/kernel/nettests.c
	tests/kernel/s_stream.c
	tests/kernel/stream_child.c
	tests/kernel/streamtests.c
	tests/kernel/t_blk.c
	tests/blk/vda.c
	tests/inet/server.c
	tests/linux/crowd.c
	tests/linux/fuzz.c
	tests/linux/loopback.c
	tests/linux/inotify.c
	tests/linux/pidfd.c
	tests/linux/netif.c
	tests/linux/pifutex.c
	tests/linux/sigfd.c
	tests/linux/pty.c
	tests/linux/procfs.c
	tests/linux/sockbig.c
	tests/linux/status.c
	tests/linux/trust.c
	tests/linux/mounts.c
	tests/linux/xattrs.c
	tests/linux/unixload.c
	tests/linux/unixsock.c
	tests/unit/lx_stubs.c
	tests/unit/test_dpf.c
	tests/unit/test_string.c
	user/bench_demux.c
	user/bench_ipc_client.c
	user/bench_kernel.c
	user/child.c
	user/hello.c
	user/ipc_peer.c
	user/lib/check.c
	user/lib/check.h
	user/lib/mica.h
	user/lib/runtime.c
	user/lib/spawn.c
	user/msh.c
	user/httpd.c
	user/netecho.c
	user/pager_client.c
	user/revoke_child.c
	user/share_child.c
	user/slice_child.c
	user/t_env.c
	user/t_idle.c
	user/t_ipc.c
	user/t_kick.c
	user/t_ntfn.c
	user/t_pager.c
	user/t_protect.c
	user/t_reflect.c
	user/t_revoke.c
	user/t_slice.c
"

# Not yet formatted.
pending="
	include/mica/abi.h
	include/mica/error.h
	include/mica/ipc.h
	include/mica/kcall.h
	kernel/apic.c
	kernel/console.c
	kernel/env.c
	kernel/frame.c
	kernel/ipc.c
	kernel/kernel.h
	kernel/main.c
	kernel/ntfn.c
	kernel/pt.c
	kernel/sched.c
	kernel/syscall.c
	kernel/trap.c
	kernel/upcall.c
	lib/cpio.c
	lib/cpio.h
	lib/elf.c
	lib/elf.h
	lib/errstr.c
	lib/fmt.c
	lib/fmt.h
	lib/list.h
	libos/lx/cred.c
	libos/lx/dev.c
	libos/lx/epoll.c
	libos/lx/eventfd.c
	libos/lx/file.c
	libos/lx/vfs.h
	libos/lx/itimer.c
	libos/lx/linux.h
	libos/lx/loader.c
	libos/lx/filelock.c
	libos/lx/lx.h
	libos/lx/main.c
	libos/lx/mem.c
	libos/lx/system.c
	libos/lx/pipe.c
	libos/lx/poll.c
	libos/lx/process.c
	libos/lx/signal.c
	libos/lx/syscall.c
	libos/lx/thread.c
	libos/lx/shared.c
	libos/lx/vfs.c
	libos/lx/vfs_attr.c
	libos/lx/vfs_io.c
	libos/lx/vfs_path.c
	tests/linux/check.h
	tests/linux/cputimers.c
	tests/linux/creds.c
	tests/linux/events.c
	tests/linux/fileops.c
	tests/linux/files.c
	tests/linux/fmap.c
	tests/linux/locks.c
	tests/linux/mem.c
	tests/linux/procs.c
	tests/linux/robust.c
	tests/linux/signals.c
	tests/linux/sockets.c
	tests/linux/startup.c
	tests/linux/sys.c
	tests/linux/threads.c
	tests/unit/check.h
	tests/unit/test_cpio.c
	tests/unit/test_elf.c
	tests/unit/test_fmt.c
	tests/unit/test_frame.c
	tests/unit/test_list.c
	tests/unit/test_lxvfs.c
	user/t_exc.c
	user/t_frames.c
	user/t_fuzz.c
	user/tests.c
"

n=0 bad=0
for f in $formatted; do
	if [ ! -f "$f" ]; then
		echo "# $f is on the formatted list but not in the tree"
		continue
	fi
	n=$((n + 1))
	if ! "$cf" --style=file "$f" | cmp -s - "$f"; then
		echo "not ok format/$f: not as .clang-format has it (clang-format -i $f); differences:"
		"$cf" --style=file "$f" | diff "$f" - | head -10 | sed 's/^/#   /'
		bad=$((bad + 1))
	fi
done
for f in $(find kernel lib include libos user tests bench -name '*.[ch]' | LC_ALL=C sort); do
	case "$formatted$pending" in
	*"	$f
"*) ;;
	*) echo "# $f is in neither list of tests/format.sh" ;;
	esac
done
[ $bad -eq 0 ] && echo "ok format/formatted ($n files as .clang-format has them; $(echo $pending | wc -w) not yet formatted)"
[ $bad -eq 0 ]
