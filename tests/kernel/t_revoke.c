/* Tests of visible revocation: a child that gives frames back when asked, and one whose frames are taken by force. */
#include "check.h"

int main(void)
{
	check_prog = "revoke";
	long nt = sys_ntfn_create();
	CHECK("ntfn", nt > 0);
	long good = spawn("revoke_child", (uint64_t)nt << 1 | 1);
	long bad = spawn("revoke_child", (uint64_t)nt << 1 | 0);
	CHECK("spawn", good > 0 && bad > 0);
	/* both children have mapped their frames */
	uint64_t seen = 0;
	while (seen != 3) {
		long b = sys_ntfn_wait(nt, 1000000000UL);
		if (b < 0)
			break;
		seen |= (uint64_t)b;
	}
	CHECK_EQ("children-ready", seen, 3);
	CHECK_EQ("ask-self", sys_revoke_ask(0, 8), -E_INVAL);
	CHECK_EQ("ask-zero", sys_revoke_ask(good, 0), -E_INVAL);
	CHECK_EQ("ask-unknown", sys_revoke_ask(12345, 8), -E_NOENT);
	CHECK_EQ("ask-compliant", sys_revoke_ask(good, 8), 0);
	CHECK_EQ("ask-ignoring", sys_revoke_ask(bad, 8), 0);
	sys_sleep(20000000); /* well past the 5 ms deadline */
	CHECK_EQ("compliant-status", sys_env_wait(good), 0);
	CHECK_EQ("forced-status", sys_env_wait(bad), 0);
	CHECK_EQ("ntfn-destroy", sys_ntfn_destroy(nt), 0);
	return CHECK_DONE();
}
