# Mica: `make` builds the kernel and the boot images, `make run` boots a shell, `make test` runs every test.

BUILD ?= build
CC := gcc
LD := ld
QEMU ?= qemu-system-x86_64

COMMON_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
	-fno-pic -fno-omit-frame-pointer -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -Iinclude -I.
KCFLAGS := $(COMMON_CFLAGS) -mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-sse2
UCFLAGS := $(filter-out -fno-pic,$(COMMON_CFLAGS)) -fpie -Ilibos/native -mgeneral-regs-only

KERNEL := $(BUILD)/kernel/mica.elf
LIB_SRCS := $(wildcard lib/*.c)
KERNEL_SRCS := $(wildcard kernel/*.c) $(wildcard kernel/*.S)
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(basename $(KERNEL_SRCS) $(LIB_SRCS)))
# The native runtime (libos/native/, with lib/), linked into every native program and into lx.
NATIVE_SRCS := $(wildcard libos/native/*.c) $(wildcard libos/native/*.S)
NATIVE_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(basename $(NATIVE_SRCS) $(LIB_SRCS)))
# Every boot image holds the native programs (user/) and the in-VM kernel tests with their helpers (tests/kernel/).
USER_PROGS := $(patsubst user/%.c,%,$(wildcard user/*.c))
USER_BINS := $(USER_PROGS:%=$(BUILD)/user/bin/%)
VMTEST_LIB := tests/kernel/check.c
VMTEST_LIB_OBJS := $(VMTEST_LIB:%.c=$(BUILD)/user/%.o)
VMTEST_PROGS := $(patsubst tests/kernel/%.c,%,$(filter-out $(VMTEST_LIB),$(wildcard tests/kernel/*.c)))
VMTEST_BINS := $(VMTEST_PROGS:%=$(BUILD)/user/bin/%)
HEADERS := $(wildcard include/mica/*.h include/mica/*.def lib/*.h kernel/*.h libos/native/*.h tests/kernel/*.h)
LX_SRCS := $(wildcard libos/lx/*.c) $(wildcard libos/lx/*.S)
LX_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(basename $(LX_SRCS)))
LX := $(BUILD)/user/lx/lx
LX_HEADERS := $(wildcard libos/lx/*.h libos/lx/linux/*.h libos/lx/*.def)
# mica-init, the Linux program that `mica run --init` starts as pid 1 (static, with musl).
MICA_INIT := $(BUILD)/user/mica-init
# mica-ext4, the ext4 server of a disk volume (static, with glibc and e2fsprogs' libext2fs).
MICA_EXT4 := $(BUILD)/user/mica-ext4

.PHONY: all run test unit-test vm-test bench debug clean deps format-check
all: $(KERNEL) $(LX) $(MICA_INIT) $(MICA_EXT4) $(BUILD)/img/tests.cpio $(BUILD)/img/hello.cpio $(BUILD)/img/msh.cpio

$(BUILD)/kernel/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@
$(BUILD)/kernel/%.o: %.S $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@
$(KERNEL): $(KERNEL_OBJS) kernel/kernel.ld
	$(LD) -n -nostdlib -T kernel/kernel.ld -z noexecstack --no-warn-rwx-segments -o $@ $(KERNEL_OBJS)
	@size=$$(objcopy --strip-all $@ $@.stripped && wc -c < $@.stripped); \
	 if [ $$size -gt 262144 ]; then echo "kernel image is $$size bytes, over 256 KiB"; exit 1; fi

$(BUILD)/user/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(BUILD)/user/%.o: %.S $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
# A native program: its objects, then the runtime, linked at the address native.ld gives.
NATIVE_LINK = $(LD) -n -nostdlib -static -T libos/native/native.ld -z noexecstack --no-warn-rwx-segments \
	-o $@ $(filter %.o %.a,$^)
$(USER_BINS): $(BUILD)/user/bin/%: $(BUILD)/user/user/%.o $(NATIVE_OBJS) libos/native/native.ld
	@mkdir -p $(@D)
	$(NATIVE_LINK)

# lx, the Linux personality: linked at LX_BASE with the native runtime. LX_LDFLAGS: more for its
# link (tests/harness.sh links an lx with a call broken on purpose this way).
$(LX_OBJS): $(LX_HEADERS)
$(LX): $(LX_OBJS) $(NATIVE_OBJS) libos/lx/lx.ld
	@mkdir -p $(@D)
	$(LD) -n -nostdlib -static --no-relax -T libos/lx/lx.ld -z noexecstack --no-warn-rwx-segments $(LX_LDFLAGS) -o $@ $(LX_OBJS) $(NATIVE_OBJS) $(LX_LWIP_LIB)

$(MICA_INIT): libos/lx/init/init.c
	@mkdir -p $(@D)
	musl-gcc -static -Os -Wall -Wextra -Werror -o $@ $<

$(MICA_EXT4): libos/lx/ext4/ext4.c libos/lx/fuse_mica.h
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Wextra -Werror -I. -o $@ $< -lext2fs -lcom_err

# A boot image: a cpio archive whose "init" is the named program, with every program beside it.
$(BUILD)/img/%.cpio: $(USER_BINS) $(VMTEST_BINS)
	@rm -rf $(BUILD)/img/$*.d && mkdir -p $(BUILD)/img/$*.d
	cp $(USER_BINS) $(VMTEST_BINS) $(BUILD)/img/$*.d/
	cp $(BUILD)/user/bin/$* $(BUILD)/img/$*.d/init
	cd $(BUILD)/img/$*.d && ls | cpio --quiet -o -H newc > ../$*.cpio

include libos/net/lwip.mk
include tests/unit/unit.mk
include tests/vm.mk

deps:
	@sh tools/deps.sh

# The C files tests/format.sh lists as formatted, held to .clang-format (make test runs it too).
format-check:
	@sh tests/format.sh

# Boot Mica with Debian's busybox sh on the console, through lx (Ctrl-A X leaves QEMU): every applet
# by name, /etc's passwd, group and hostname, and the environment of a small Linux system.
BUSYBOX ?= /bin/busybox
RUN_ENV := --env HOME=/root --env USER=root --env LOGNAME=root --env SHELL=/bin/sh --env TERM=$${TERM:-linux} \
	--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
run: deps $(KERNEL) $(LX)
	tools/shell-root $(BUILD)/shell-root $(BUSYBOX)
	MICA_BUILD=$(BUILD) MICA_TIMEOUT=100000 tools/mica run --root $(BUILD)/shell-root $(RUN_ENV) $(BUSYBOX) sh -i

# The native console shell instead: lists and runs the native programs of the boot image.
run-native: deps $(KERNEL) $(BUILD)/img/msh.cpio
	tools/boot -t 100000 $(KERNEL) $(BUILD)/img/msh.cpio

# Start QEMU halted with its gdb stub on :1234.
debug: deps $(KERNEL) $(BUILD)/img/msh.cpio
	@echo "attach with: gdb -ex 'target remote :1234' -ex 'symbol-file $(KERNEL)'"
	tools/boot -t 100000 $(KERNEL) $(BUILD)/img/msh.cpio -s -S

clean:
	rm -rf $(BUILD)

# Keep the programs that boot images are made of.
.SECONDARY:

include bench/bench.mk

# Mica under instruction counting: the native kernel figures, then the
# same static benchmark program Linux runs, through lx (a FAIL line marks
# an operation lx cannot do yet).
bench-mica: deps $(KERNEL) $(LX) $(BUILD)/img/bench_kernel.cpio $(BENCH_OUT)/bench
	@mkdir -p $(BUILD)/bench
	tools/boot -i -c $(BENCH_CPU) -t 600 $(KERNEL) $(BUILD)/img/bench_kernel.cpio | tr -d '\r' | tee $(BUILD)/bench/mica.log
	MICA_ICOUNT=1 MICA_CPU=$(BENCH_CPU) MICA_BUILD=$(BUILD) tools/mica run $(BENCH_OUT)/bench | tr -d '\r' | tee -a $(BUILD)/bench/mica.log
	@grep '^bench ' $(BUILD)/bench/mica.log > $(BUILD)/bench/mica.txt
	@! grep -q ' FAIL ' $(BUILD)/bench/mica.txt || echo "some operations do not work on Mica yet (FAIL above)"

# Both systems side by side, in guest instructions.
bench: bench-mica bench-linux-run bench-linux-minmem bench-dpf bench-udp-echo bench-scaling bench-io bench-disk bench-servers
	sh bench/python.sh $(BUILD)
	sh bench/dynamic.sh $(BUILD)
	sh bench/minmem-mica.sh $(BUILD)
	sh bench/minmem-programs.sh $(BUILD)
	sh bench/wall-hello.sh $(BUILD)
	@sh bench/record.sh $(BUILD)
