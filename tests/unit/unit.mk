# Host unit tests for lib/: `make unit-test`, or standalone `make -f tests/unit/unit.mk unit-test`.

BUILD ?= build
UNIT_DIR := $(BUILD)/unit
UNIT_CC ?= cc
UNIT_KCC ?= gcc
UNIT_CFLAGS ?= -std=gnu11 -g -O1 -Wall -Wextra -fno-builtin \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinclude -I.

# lib/string.c defines memcpy, strlen and the rest under their standard
# names, and so does the host libc. Letting the test binary's copies
# interpose libc's would also hand them to libc and the sanitizer runtime,
# so on the host every lib/ and test file is compiled with the names
# mapped to lib_memcpy and so on: the tests call lib/'s code, libc keeps
# its own, and the sanitizers still see every byte lib/ touches.
UNIT_RENAME := $(foreach f,memcpy memmove memset memcmp strlen strnlen \
	strcmp strncmp strchr strlcpy,-D$(f)=lib_$(f))

# The kernel's flags: lib/ must compile cleanly with them too.
UNIT_KERNEL_CFLAGS := -std=gnu11 -ffreestanding -fno-builtin -mno-red-zone \
	-mcmodel=kernel -mno-sse -mno-mmx -fno-stack-protector -fno-pic \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Iinclude -I.

UNIT_LIB_SRCS := $(wildcard lib/*.c)
UNIT_LIB_OBJS := $(UNIT_LIB_SRCS:lib/%.c=$(UNIT_DIR)/lib/%.o)
UNIT_LIB_KOBJS := $(UNIT_LIB_SRCS:lib/%.c=$(UNIT_DIR)/kernel-flags/%.o)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(UNIT_DIR)/%,$(wildcard tests/unit/test_*.c))
UNIT_HEADERS := $(wildcard lib/*.h include/mica/*.h tests/unit/*.h kernel/kernel.h kernel/x86.h kernel/frame.c \
	kernel/dpf.c kernel/dpf.h)

# Inputs made by real tools, passed to the tests that can use them.
UNIT_CPIO := $(UNIT_DIR)/sample.cpio
UNIT_ARGS_test_elf := $(wildcard /bin/true)
UNIT_ARGS_test_cpio := $(UNIT_CPIO)
UNIT_DIS := $(UNIT_DIR)/libc.dis
UNIT_ARGS_test_x86len := $(UNIT_DIS)

.PHONY: unit-test unit-kernel-flags

# Runs every test binary even after a failure; fails if any failed.
unit-test: $(UNIT_TESTS) $(UNIT_CPIO) $(UNIT_DIS) unit-kernel-flags
	@status=0; for t in $(UNIT_TESTS); do \
		case $$t in \
		*/test_elf) args="$(UNIT_ARGS_test_elf)" ;; \
		*/test_cpio) args="$(UNIT_ARGS_test_cpio)" ;; \
		*/test_x86len) args="$(UNIT_ARGS_test_x86len)" ;; \
		*) args= ;; \
		esac; \
		$$t $$args || { echo "not ok $$t exited with status $$?"; status=1; }; \
	done; exit $$status

unit-kernel-flags: $(UNIT_LIB_KOBJS)

$(UNIT_DIR)/kernel-flags/%.o: lib/%.c $(UNIT_HEADERS)
	@mkdir -p $(@D)
	$(UNIT_KCC) $(UNIT_KERNEL_CFLAGS) -c $< -o $@

$(UNIT_DIR)/lib/%.o: lib/%.c $(UNIT_HEADERS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_RENAME) -c $< -o $@

$(UNIT_DIR)/libmica.a: $(UNIT_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# lx's instruction-length decoder, which only lx links (not lib/: the kernel and native programs need it not).
$(UNIT_DIR)/test_x86len: tests/unit/test_x86len.c libos/lx/x86len.c libos/lx/x86len.h $(UNIT_DIR)/libmica.a
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_RENAME) tests/unit/test_x86len.c libos/lx/x86len.c $(UNIT_DIR)/libmica.a -o $@

$(UNIT_DIR)/test_%: tests/unit/test_%.c $(UNIT_DIR)/libmica.a $(UNIT_HEADERS)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_RENAME) $< $(UNIT_DIR)/libmica.a -o $@

# A newc archive from the real cpio tool, if it is installed; the cpio
# test checks its contents when present and skips that check otherwise.
$(UNIT_CPIO):
	@rm -rf $(UNIT_DIR)/cpio-src && mkdir -p $(UNIT_DIR)/cpio-src/sub
	@printf 'hello\n' > $(UNIT_DIR)/cpio-src/hello.txt
	@printf 'abc' > $(UNIT_DIR)/cpio-src/sub/three.bin
	@if command -v cpio >/dev/null 2>&1; then \
		(cd $(UNIT_DIR)/cpio-src && find . | LC_ALL=C sort | \
		 cpio -o -H newc --quiet) > $@; \
	else : > $@; fi

# Every instruction of the host's C library as objdump (binutils) splits them, for the x86 length decoder's test.
$(UNIT_DIS):
	@mkdir -p $(@D)
	objdump -d -w "$$($(UNIT_CC) -print-file-name=libc.so.6)" > $@

# lx's file system, built on the host with stand-ins for the rest of lx.
UNIT_LX_SRCS := libos/lx/vfs.c libos/lx/file.c libos/lx/vfs_io.c libos/lx/vfs_path.c \
	libos/lx/vfs_attr.c libos/lx/vfs_xattr.c libos/lx/filelock.c libos/lx/cred.c tests/unit/lx_stubs.c
$(UNIT_DIR)/test_lxvfs: tests/unit/test_lxvfs.c $(UNIT_LX_SRCS) $(UNIT_DIR)/libmica.a \
		$(UNIT_HEADERS) $(wildcard libos/lx/*.h libos/lx/linux/*.h libos/lx/*.def)
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_RENAME) -Ilibos/native $< $(UNIT_LX_SRCS) $(UNIT_DIR)/libmica.a -o $@
