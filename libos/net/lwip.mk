# lwIP, from Debian's source package fetched at build time into $(BUILD)/lwip (never into the tree),
# built freestanding with libos/net's options and glue as one static library native programs link.
LWIP_TREE := $(BUILD)/lwip/lwip
LWIP_STAMP := $(BUILD)/lwip/fetched
LWIP_FILES := core/init core/def core/inet_chksum core/ip core/mem core/memp core/netif core/pbuf \
	core/stats core/sys core/tcp core/tcp_in core/tcp_out core/timeouts core/udp \
	core/ipv4/dhcp core/ipv4/etharp core/ipv4/icmp core/ipv4/ip4 core/ipv4/ip4_addr core/ipv4/ip4_frag \
	core/ipv6/ethip6 core/ipv6/icmp6 core/ipv6/inet6 core/ipv6/ip6 core/ipv6/ip6_addr core/ipv6/ip6_frag \
	core/ipv6/nd6 netif/ethernet
LWIP_OBJS := $(LWIP_FILES:%=$(BUILD)/lwip/obj/%.o)
LWIP_GLUE_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(wildcard libos/net/*.c))
LWIP_LIB := $(BUILD)/lwip/liblwip.a
LWIP_HEADERS := $(wildcard libos/net/*.h libos/net/arch/*.h libos/net/include/*.h)
# No C library: the compiler's own freestanding headers, and libos/net/include for what lwIP asks of libc.
LWIP_CFLAGS := $(UCFLAGS) -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ilibos/net/include \
	-Ilibos/net -I$(LWIP_TREE)/src/include
# lwIP's own files build without a warning under the project's flags (Debian's 2.1.3, gcc 12); one that a
# later compiler or release brings is shown but does not stop the build, since the code is not ours to fix.
LWIP_OWN_CFLAGS := $(filter-out -Werror,$(LWIP_CFLAGS))
# The programs that run lwIP over their ring (user/NAME.c).
LWIP_PROGS := httpd

$(LWIP_STAMP):
	sh tools/fetch-source.sh lwip $(BUILD)/lwip
	@touch $@
$(BUILD)/lwip/obj/%.o: $(LWIP_STAMP) $(LWIP_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(LWIP_OWN_CFLAGS) -c $(LWIP_TREE)/src/$*.c -o $@
$(LWIP_GLUE_OBJS) $(LWIP_PROGS:%=$(BUILD)/user/user/%.o): UCFLAGS := $(LWIP_CFLAGS)
$(LWIP_GLUE_OBJS) $(LWIP_PROGS:%=$(BUILD)/user/user/%.o): $(LWIP_STAMP) $(LWIP_HEADERS)
$(LWIP_LIB): $(LWIP_OBJS) $(LWIP_GLUE_OBJS)
	rm -f $@
	ar rcs $@ $^
$(LWIP_PROGS:%=$(BUILD)/user/bin/%): $(LWIP_LIB)
$(BUILD)/user/user/httpd.o: user/www/index.html

# lx's own build of the same files (libos/lx/lwip/lwipopts.h: memory from lx's shared heap).
# lwIP's mem_init is renamed (lx has one). lx.ld puts this archive's data into pages every process of an lx instance shares.
LX_LWIP_OBJS := $(LWIP_FILES:%=$(BUILD)/lwip/lxobj/%.o) $(BUILD)/lwip/lxobj/sys_arch.o
LX_LWIP_LIB := $(BUILD)/lwip/liblxlwip.a
LX_LWIP_CFLAGS := $(filter-out -Ilibos/net,$(LWIP_CFLAGS)) -Ilibos/lx/lwip -Ilibos/net
LX_LWIP_USERS := $(BUILD)/user/libos/lx/net.o $(BUILD)/user/libos/lx/inet.o $(BUILD)/user/libos/lx/udp.o
$(BUILD)/lwip/lxobj/%.o: $(LWIP_STAMP) $(LWIP_HEADERS) libos/lx/lwip/lwipopts.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror,$(LX_LWIP_CFLAGS)) -Dmem_init=lwip_mem_init -c $(LWIP_TREE)/src/$*.c -o $@
$(BUILD)/lwip/lxobj/sys_arch.o: libos/net/sys_arch.c $(LWIP_STAMP) $(LWIP_HEADERS) libos/lx/lwip/lwipopts.h
	@mkdir -p $(@D)
	$(CC) $(LX_LWIP_CFLAGS) -c $< -o $@
$(LX_LWIP_USERS): UCFLAGS := $(LX_LWIP_CFLAGS)
$(LX_LWIP_USERS): $(LWIP_STAMP) $(LWIP_HEADERS) libos/lx/lwip/lwipopts.h
$(LX_LWIP_LIB): $(LX_LWIP_OBJS)
	rm -f $@
	ar rcs $@ $^
$(LX): $(LX_LWIP_LIB)
