/* Names for Mica's error codes, for messages and test output. */
#include <mica/error.h>

static const char *const error_names[E_NERRORS] = {
	[E_OK] = "E_OK",
	[E_INVAL] = "E_INVAL",
	[E_NOMEM] = "E_NOMEM",
	[E_PERM] = "E_PERM",
	[E_NOENT] = "E_NOENT",
	[E_FAULT] = "E_FAULT",
	[E_BUSY] = "E_BUSY",
	[E_AGAIN] = "E_AGAIN",
	[E_TIMEOUT] = "E_TIMEOUT",
	[E_NOSYS] = "E_NOSYS",
	[E_EXIST] = "E_EXIST",
	[E_BADFMT] = "E_BADFMT",
	[E_RANGE] = "E_RANGE",
	[E_DEAD] = "E_DEAD",
	[E_CLOSED] = "E_CLOSED",
	[E_IO] = "E_IO",
};

/* Returns the constant name of err, which may be positive or negated
 * ("E_NOMEM" for 2 and -2); "E_UNKNOWN" for anything else. */
const char *mica_strerror(int err)
{
	unsigned int code = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	if (code >= E_NERRORS || !error_names[code])
		return "E_UNKNOWN";
	return error_names[code];
}
