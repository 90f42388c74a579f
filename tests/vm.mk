# In-VM tests: boot the kernel with the test runner as init.
