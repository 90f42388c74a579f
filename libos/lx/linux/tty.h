/* The Linux x86-64 ABI, the terminal: its ioctls, termios, winsize. */
#ifndef LX_LINUX_TTY_H
#define LX_LINUX_TTY_H

#include <stdint.h>
#include <stddef.h>

/* ioctl */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCSCTTY 0x540E
#define TIOCGSID 0x5429
#define TIOCNOTTY 0x5422
#define TCSBRK 0x5409
#define TCXONC 0x540A
#define TCFLSH 0x540B
#define TIOCGPTN 0x80045430 /* the pty's number (master) */
#define TIOCSPTLCK 0x40045431 /* lock or unlock the slave (master) */
#define TIOCGPTLCK 0x80045439
#define TIOCGPTPEER 0x5441 /* open the slave (master) */
#define TIOCPKT 0x5420 /* packet mode on or off (master) */
#define TIOCGPKT 0x80045438
#define TCIFLUSH 0 /* TCFLSH's argument */
#define TCOFLUSH 1
#define TCIOFLUSH 2
#define TCOOFF 0 /* TCXONC's argument (tcflow) */
#define TCOON 1
#define TCIOFF 2
#define TCION 3
/* The status byte that leads a packet-mode read of the master */
#define TIOCPKT_DATA 0
#define TIOCPKT_FLUSHREAD 1
#define TIOCPKT_FLUSHWRITE 2
#define TIOCPKT_STOP 4
#define TIOCPKT_START 8
#define TIOCPKT_NOSTOP 16
#define TIOCPKT_DOSTOP 32
/* termios flags */
#define INLCR 0000100 /* c_iflag */
#define IGNCR 0000200
#define ICRNL 0000400
#define IXON 0002000
#define IXANY 0004000
#define IXOFF 0010000
#define OPOST 0000001 /* c_oflag */
#define ONLCR 0000004
#define B38400 0000017 /* c_cflag */
#define CS8 0000060
#define CREAD 0000200
#define ISIG 0000001 /* c_lflag */
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define NOFLSH 0000200
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
#define TOSTOP 0000400 /* background writes stop the writer (SIGTTOU) */
/* c_cc indices */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
/* The flow-control characters a master's tcflow sends, and that packet mode's DOSTOP names (^Q, ^S) */
#define CSTART 021
#define CSTOP 023

struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};

#endif
