# The whole suite: host unit tests, in-VM tests of the kernel ABI, and whole-machine boots.
test: deps $(KERNEL) $(BUILD)/img/tests.cpio $(BUILD)/img/hello.cpio
	@sh tests/run.sh $(BUILD) $(KERNEL)
