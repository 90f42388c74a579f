/* The system: its host name. (system.c) */
#ifndef LX_SYSTEM_H
#define LX_SYSTEM_H

void lx_hostname_init(void); /* after the root is filled: the name in /etc/hostname, else "mica" */
const char *lx_hostname(void); /* uname's nodename and /proc/sys/kernel/hostname */

#endif
