# The in-VM kernel tests (tests/kernel/): the runner, each t_* program and each helper is a native program
# that also links the checks.
$(VMTEST_BINS): $(BUILD)/user/bin/%: $(BUILD)/user/tests/kernel/%.o $(VMTEST_LIB_OBJS) $(NATIVE_OBJS) libos/native/native.ld
	@mkdir -p $(@D)
	$(NATIVE_LINK)

# The whole suite: host unit tests, in-VM tests of the kernel ABI, whole-machine boots, and Linux programs under lx.
test: deps $(KERNEL) $(BUILD)/img/tests.cpio $(BUILD)/img/hello.cpio $(BUILD)/img/msh.cpio $(BUILD)/img/nettests.cpio $(BUILD)/img/netecho.cpio $(BUILD)/img/streamtests.cpio $(BUILD)/img/blktests.cpio $(BUILD)/user/bin/httpd $(LX)
	@sh tests/run.sh $(BUILD) $(KERNEL)
