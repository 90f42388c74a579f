# The whole suite: host unit tests, in-VM tests of the kernel ABI, whole-machine boots, and Linux programs under lx.
test: deps $(KERNEL) $(BUILD)/img/tests.cpio $(BUILD)/img/hello.cpio $(BUILD)/img/msh.cpio $(LX)
	@sh tests/run.sh $(BUILD) $(KERNEL)
