# Benchmarks: Linux baseline under QEMU TCG with instruction counting.
#
#   make -f bench/bench.mk bench-linux      (or include bench/bench.mk)
#
# Targets:
#   bench-linux         fetch the kernel, build, boot, write $(BUILD)/bench/linux.txt
#                       and find the least guest memory ($(BUILD)/bench/linux-minmem.txt)
#   bench-linux-run     only the benchmark run
#   bench-linux-minmem  only the memory search
#   bench-deps          install (as root) or name the missing host packages
#   bench-dpf           demultiplexing cost per packet with 1 to 1,000 filters (user/bench_demux under Mica),
#                       written to $(BUILD)/bench/mica-demux.txt
#   bench-udp-echo      busy guest instructions per UDP echo, 10,000 echoes from the host: Mica's native
#                       user/netecho and Linux running bench/udpecho.c as init ($(BUILD)/bench/{mica,linux}-udp.txt)
#   bench-streams       mica run's stream rate: 100 MiB through stdin and stdout, MB/s of wall clock
#   bench-io            MB/s of wall clock through stdin and stdout (100 MiB) and of a file written and read on a
#                       shared folder (virtio-9p), Mica beside Linux (Debian's generic kernel: the cloud one has no
#                       9p) in the same machine with the same devices (bench/io.sh, $(BUILD)/bench/io.txt)
#   bench-disk          MB/s and operations/s of wall clock on an ext4 image over virtio-blk: 256 MiB written and
#                       read, 10,000 files created, sqlite3 inserts; Mica (mica-ext4 inside the machine) beside Linux
#                       (Debian's generic kernel, ext4 in-kernel) (bench/disk.sh, $(BUILD)/bench/disk.txt), then the
#                       same in guest instructions (BENCH_DISK_ICOUNT=1, disk-icount.txt); the "Disk" tables of
#                       docs/performance.md by bench/disk-record.sh
#   bench-httpd         wall-clock requests/s of the native web server (user/httpd) under wrk -t1 -c30 -d10s
#   bench-servers       wall-clock requests/s from the host of Debian's nginx (wrk) and redis-server
#                       (redis-benchmark) on Linux and on Mica, and of the native web server (bench/servers.sh,
#                       $(BUILD)/bench/servers.txt; the "Servers" table of docs/performance.md)
#   bench-scaling       how costs grow with the work (bench/scaling.c) on both systems: the "Scaling" table of
#                       docs/performance.md and docs/scaling.svg (bench/scaling.sh, bench/scaling-record.sh)

BUILD ?= build
BENCH_OUT := $(BUILD)/bench
BENCH_LINUX := $(BUILD)/linux
BENCH_CC ?= musl-gcc
# One CPU model for both systems (QEMU's default for x86-64): under icount the instructions
# counted depend on the model, since code picks its paths by CPU features.
BENCH_CPU ?= qemu64
export BENCH_CPU
BENCH_CFLAGS ?= -static -O2 -std=gnu11 -Wall -Wextra

.PHONY: bench-linux bench-linux-run bench-linux-minmem bench-deps bench-clean bench-dpf bench-udp-echo bench-streams bench-httpd bench-scaling bench-io bench-disk bench-servers

bench-linux: bench-linux-run bench-linux-minmem
	@cat $(BENCH_OUT)/linux.meta $(BENCH_OUT)/linux.txt $(BENCH_OUT)/linux-minmem.txt

bench-deps:
	@sh bench/deps.sh

$(BENCH_LINUX)/vmlinuz: bench/linux-kernel.sh | bench-deps
	sh bench/linux-kernel.sh $(BENCH_LINUX)

$(BENCH_OUT)/bench: bench/bench.c | bench-deps
	@mkdir -p $(BENCH_OUT)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/bench.c -lpthread

bench-linux-run: $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/bench
	sh bench/run-linux.sh $(BUILD) 256M linux
	@cat $(BENCH_OUT)/linux.txt

bench-linux-minmem: $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/bench
	sh bench/minmem.sh $(BUILD)

# The in-VM demultiplexing figures, on a device whose frames come back to it (bench/demux.sh says how).
bench-dpf: $(KERNEL) $(BUILD)/img/bench_demux.cpio
	@mkdir -p $(BENCH_OUT)
	sh bench/demux.sh $(KERNEL) $(BUILD)/img/bench_demux.cpio $(BENCH_CPU) > $(BENCH_OUT)/mica-demux.txt
	@cat $(BENCH_OUT)/mica-demux.txt

$(BENCH_OUT)/scaling: bench/scaling.c | bench-deps
	@mkdir -p $(BENCH_OUT)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/scaling.c -lpthread

# Guest memory of both systems for the scaling run: the fork figure touches 256 MiB.
BENCH_SCALING_MEM ?= 512M
bench-scaling: $(KERNEL) $(LX) $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/scaling
	sh bench/scaling.sh $(BUILD) $(BENCH_SCALING_MEM)
	sh bench/scaling-record.sh $(BUILD)

$(BENCH_OUT)/udpecho: bench/udpecho.c bench/idle.h bench/modules.h bench/netup.h | bench-deps
	@mkdir -p $(BENCH_OUT)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/udpecho.c

# Linux's initramfs for the UDP echo: the program as /init and the modules it loads.
$(BENCH_OUT)/udpecho.cpio: $(BENCH_OUT)/udpecho $(BENCH_LINUX)/vmlinuz
	rm -rf $(BENCH_OUT)/udpecho.root && mkdir -p $(BENCH_OUT)/udpecho.root/lib/modules
	cp $(BENCH_OUT)/udpecho $(BENCH_OUT)/udpecho.root/init
	cp $(BENCH_LINUX)/modules/*.ko $(BENCH_OUT)/udpecho.root/lib/modules/
	cd $(BENCH_OUT)/udpecho.root && find . | cpio -o -H newc --quiet > ../udpecho.cpio

# Both systems' echo servers under instruction counting, driven by the same host client through a dgram
# backend on 127.0.0.1: the guest's clock less its idle time over 10,000 echoes of 64 bytes.
bench-udp-echo: $(KERNEL) $(BUILD)/img/netecho.cpio $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/udpecho.cpio
	python3 tests/net_host.py --bench mica $(KERNEL) $(BUILD)/img/netecho.cpio 10000 $(BENCH_CPU) > $(BENCH_OUT)/mica-udp.txt
	python3 tests/net_host.py --bench linux $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/udpecho.cpio 10000 $(BENCH_CPU) > $(BENCH_OUT)/linux-udp.txt
	@cat $(BENCH_OUT)/mica-udp.txt $(BENCH_OUT)/linux-udp.txt

$(BENCH_OUT)/serve: bench/serve.c bench/modules.h bench/netup.h | bench-deps
	@mkdir -p $(BENCH_OUT)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/serve.c

# Debian's nginx and redis-server on both systems and the native web server, wall clock from the host.
bench-servers: $(KERNEL) $(LX) $(BUILD)/img/httpd.cpio $(BENCH_LINUX)/vmlinuz $(BENCH_OUT)/serve
	sh bench/servers.sh $(BUILD)
	sh bench/servers-record.sh $(BUILD)

bench-httpd: $(KERNEL) $(BUILD)/img/httpd.cpio | bench-deps
	sh bench/httpd.sh $(BUILD) $(KERNEL)

# Debian's generic kernel, with the modules bench/io.c loads as init: virtio-mmio, the console, 9p.
BENCH_LINUX_9P := $(BUILD)/linux-9p
$(BENCH_LINUX_9P)/vmlinuz: bench/linux-kernel.sh | bench-deps
	sh bench/linux-kernel.sh $(BENCH_LINUX_9P) amd64 drivers/virtio/virtio_ring drivers/virtio/virtio \
		drivers/virtio/virtio_mmio drivers/char/virtio_console fs/netfs/netfs fs/fscache/fscache net/9p/9pnet \
		net/9p/9pnet_virtio fs/9p/9p

$(BENCH_OUT)/io: bench/io.c bench/chunks.h bench/modules.h | bench-deps
	@mkdir -p $(BENCH_OUT)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/io.c

bench-io: $(BUILD)/kernel/mica.elf $(BUILD)/user/lx/lx $(BENCH_LINUX_9P)/vmlinuz $(BENCH_OUT)/io
	sh bench/io.sh $(BUILD)

# Debian's generic kernel again, with the modules bench/disk.c loads as init: virtio-mmio, virtio-blk, ext4.
BENCH_LINUX_DISK := $(BUILD)/linux-disk
$(BENCH_LINUX_DISK)/vmlinuz: bench/linux-kernel.sh | bench-deps
	sh bench/linux-kernel.sh $(BENCH_LINUX_DISK) amd64 drivers/virtio/virtio_ring drivers/virtio/virtio \
		drivers/virtio/virtio_mmio drivers/block/virtio_blk lib/crc16 fs/mbcache crypto/crc32c_generic fs/jbd2/jbd2 \
		fs/ext4/ext4

# glibc, not musl: the program links Debian's libsqlite3.a (libsqlite3-dev), built for glibc. The linker warns
# that sqlite3's extension loading (dlopen) would need glibc's shared libraries: the program loads none.
$(BENCH_OUT)/disk: bench/disk.c bench/chunks.h bench/idle.h bench/modules.h | bench-deps
	@mkdir -p $(BENCH_OUT)
	gcc -static -O2 -std=gnu11 -Wall -Wextra -o $@ bench/disk.c -lsqlite3 -lm -lpthread

bench-disk: $(BUILD)/kernel/mica.elf $(BUILD)/user/lx/lx $(BUILD)/user/mica-ext4 $(BENCH_LINUX_DISK)/vmlinuz $(BENCH_OUT)/disk
	sh bench/disk.sh $(BUILD)
	BENCH_DISK_ICOUNT=1 sh bench/disk.sh $(BUILD)
	sh bench/disk-record.sh $(BUILD)

bench-clean:
	rm -rf $(BENCH_OUT) $(BENCH_LINUX) $(BENCH_LINUX_9P) $(BENCH_LINUX_DISK)

# The rate of mica run's streams (stdin -> busybox cat -> stdout, 100 MiB), wall clock: bench/streams.sh.
bench-streams: $(BUILD)/kernel/mica.elf $(BUILD)/user/lx/lx
	sh bench/streams.sh $(BUILD)
