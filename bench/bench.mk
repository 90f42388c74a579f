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
#   bench-dpf           demultiplexing cost of kernel/dpf.c with 1 to 1,000 filters, host instructions (valgrind)
#   bench-udp-echo      Mica's busy guest instructions per UDP echo (user/netecho), 10,000 echoes from the host
#   bench-httpd         wall-clock requests/s of the native web server (user/httpd) under wrk -t1 -c30 -d10s

BUILD ?= build
BENCH_OUT := $(BUILD)/bench
BENCH_LINUX := $(BUILD)/linux
BENCH_CC ?= musl-gcc
# One CPU model for both systems (QEMU's default for x86-64): under icount the instructions
# counted depend on the model, since code picks its paths by CPU features.
BENCH_CPU ?= qemu64
export BENCH_CPU
BENCH_CFLAGS ?= -static -O2 -std=gnu11 -Wall -Wextra

.PHONY: bench-linux bench-linux-run bench-linux-minmem bench-deps bench-clean bench-dpf bench-udp-echo bench-httpd

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

# Until a kernel call reaches dpf_match, its cost is counted on the host (bench/dpf.sh says how).
bench-dpf:
	sh bench/dpf.sh $(BUILD)

# The native echo environment under instruction counting, driven through a dgram backend on 127.0.0.1:
# its clock less its idle time over 10,000 echoes of 64 bytes. Linux's figure is not measured yet.
bench-udp-echo: $(KERNEL) $(BUILD)/img/netecho.cpio
	python3 tests/net_host.py --bench $(KERNEL) $(BUILD)/img/netecho.cpio 10000 $(BENCH_CPU)

bench-httpd: $(KERNEL) $(BUILD)/img/httpd.cpio | bench-deps
	sh bench/httpd.sh $(BUILD) $(KERNEL)

bench-clean:
	rm -rf $(BENCH_OUT) $(BENCH_LINUX)
