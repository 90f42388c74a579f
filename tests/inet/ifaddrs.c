/* Every IPv6 address getifaddrs gives (glibc's, through netlink's dumps), one a line: interface, address, scope id. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>

int main(void)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) != 0) {
		perror("getifaddrs");
		return 1;
	}
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET6)
			continue;
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a->ifa_addr;
		char text[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &s->sin6_addr, text, sizeof(text));
		printf("ifaddr %s %s %u\n", a->ifa_name, text, (unsigned)s->sin6_scope_id);
	}
	freeifaddrs(all);
	return 0;
}
